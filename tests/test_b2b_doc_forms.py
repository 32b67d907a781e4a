"""Validation of document forms (the issue's bad input about documents) and 人民币大写."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.b2b import forms, rmb
from tests.test_b2b_doc_engine import po_form


def errors_of(raw: dict, doc_type: str = "purchase_order") -> dict:
    """The field errors of a form (empty when it is valid)."""
    try:
        forms.validate(doc_type, raw)
    except forms.FormInvalid as exc:
        return exc.errors
    return {}


def test_a_complete_purchase_order_is_valid_and_computes_totals() -> None:
    clean = forms.validate("purchase_order", po_form())
    assert clean.totals == {"total_amount": 123550, "tax_amount": 16062, "grand_total": 139612}
    assert [line["amount"] for line in clean.lines] == [89500, 34050]


@pytest.mark.parametrize(
    "text",
    ["12.345", "-5", "abc", "12元", "1.2万", "12,34.5.6", "0x10", "1e3", "１２"],
)
def test_amounts_in_the_wrong_unit_or_with_more_than_two_decimals_are_refused(text: str) -> None:
    raw = po_form()
    raw["lines"][0]["unit_price"] = text
    errors = errors_of(raw)
    key, params = errors["lines-0-unit_price"]
    assert "以元为单位" in key and "最多两位小数" in key and params["label"] == "单价（元）"


@pytest.mark.parametrize(("text", "fen"), [("89.5", 8950), ("¥1,234.50", 123450), ("0.01", 1), ("7", 700)])
def test_amounts_in_yuan_become_fen(text: str, fen: int) -> None:
    assert forms.parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["2026/12/10", "2026-13-01", "2026-02-30", "10-12-2026", "明天", "2026-1-5"])
def test_wrong_dates_are_refused_with_the_format(text: str) -> None:
    key, _ = errors_of(po_form(delivery_date=text))["delivery_date"]
    assert "YYYY-MM-DD" in key


def test_delivery_before_the_order_date_is_refused() -> None:
    assert "delivery_date" in errors_of(po_form(delivery_date="2026-11-30"))


def test_totals_that_do_not_add_up_are_reported_per_field_with_the_expected_value() -> None:
    raw = po_form(total_amount="1234.50", tax_amount="160.61", grand_total="1396.12")
    raw["lines"][1]["amount"] = "340.00"
    errors = errors_of(raw)
    assert errors["lines-1-amount"][1] == {"expected": "340.50"}
    assert errors["total_amount"][1] == {"expected": "1235.50"}
    assert errors["tax_amount"][1] == {"expected": "160.62"}  # 160.615 rounds half up
    assert "grand_total" not in errors  # this one is right
    assert errors_of(po_form(total_amount="1235.50", tax_amount="160.62", grand_total="1,396.12")) == {}


def test_amount_in_words_must_state_the_grand_total() -> None:
    assert "amount_words" in errors_of(po_form(amount_words="壹仟叁佰玖拾陆元壹角"))
    assert "amount_words" in errors_of(po_form(amount_words="1396.12"))
    assert errors_of(po_form(amount_words="人民币壹仟叁佰玖拾陆元壹角贰分")) == {}


def test_required_fields_units_quantities_tax_rates_and_phone() -> None:
    raw = po_form(buyer_name="", tax_rate="17", buyer_phone="12345")
    raw["lines"][0].update(unit="斤", qty="2.5")
    errors = errors_of(raw)
    assert set(errors) == {"buyer_name", "tax_rate", "buyer_phone", "lines-0-unit", "lines-0-qty"}
    assert errors["buyer_name"] == ("请填写%(label)s", {"label": "采购方（买方）"})
    assert "lines" in errors_of({"fields": po_form()["fields"], "lines": [{"name": " "}]})


def test_credit_codes_on_an_invoice_are_checked() -> None:
    raw = po_form(
        buyer_tax_id="91330106MA27XL1A3A",  # wrong check character
        seller_tax_id="91330100MA2B3C4D5X",
        invoice_date="2026-12-01",
    )
    errors = errors_of(raw, "commercial_invoice")
    assert "buyer_tax_id" in errors and "seller_tax_id" in errors
    assert "校验位" in errors["buyer_tax_id"][0] or "格式" in errors["buyer_tax_id"][0]


def test_packing_list_weights() -> None:
    raw = {
        "fields": {"seller_name": "甲", "buyer_name": "乙", "pack_date": "2026-12-01"},
        "lines": [
            {"name": "水壶", "unit": "台", "qty": "10", "packages": "2", "net_kg": "12.5", "gross_kg": "12"}
        ],
    }
    assert set(errors_of(raw, "packing_list")) == {"lines-0-gross_kg"}
    raw["lines"][0]["gross_kg"] = "13.2"
    assert errors_of(raw, "packing_list") == {}


# ---- 人民币大写 ------------------------------------------------------------------------------------

WELL_KNOWN = [
    ("0.00", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("1.00", "壹元整"),
    ("10.00", "壹拾元整"),
    ("15.00", "壹拾伍元整"),
    ("100.00", "壹佰元整"),
    ("101.00", "壹佰零壹元整"),
    ("110.00", "壹佰壹拾元整"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("1234.50", "壹仟贰佰叁拾肆元伍角"),
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("10000.00", "壹万元整"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("100500.00", "壹拾万零伍佰元整"),
    ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ("1000000.01", "壹佰万元零壹分"),
    ("30004000.00", "叁仟万肆仟元整"),
    ("100000000.00", "壹亿元整"),
    ("100005000.00", "壹亿零伍仟元整"),
    ("120000000.00", "壹亿贰仟万元整"),
    ("200000050.60", "贰亿零伍拾元零陆角"),
]


@pytest.mark.parametrize(("amount", "expected"), WELL_KNOWN)
def test_well_known_amounts(amount: str, expected: str) -> None:
    fen = forms.parse_yuan(amount)
    assert rmb.words(fen) == expected
    assert rmb.parse(expected) == fen


@pytest.mark.parametrize(
    ("amount", "text", "ok"),
    [
        ("1680.32", "壹仟陆佰捌拾元叁角贰分", True),  # 元位 zero: 零 may be left out
        ("107000.53", "壹拾万零柒仟元伍角叁分", True),  # 万位 zero: 零 may be written
        ("30004000.00", "叁仟万零肆仟元整", True),
        ("1234.50", "人民币壹仟贰佰叁拾肆元伍角整", True),  # 整 after 角 is allowed
        ("1234.00", "壹仟贰佰叁拾肆元正", True),
        ("1234.00", "壹仟贰佰叁拾肆圆整", True),
        ("1234.00", "壹仟贰佰叁拾肆元", False),  # 整 is required after 元
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分整", False),  # never after 分
        ("1409.50", "壹仟肆佰玖元伍角", False),  # the zero between digits is required
        ("16409.02", "壹万陆仟肆佰零玖元贰分", False),  # 零 after 元 when 角 is zero
        ("6007.14", "陆仟零零柒元壹角肆分", False),  # one 零 for a run
        ("10.00", "拾元整", False),  # 壹拾
        ("100005000.00", "壹亿伍仟元整", False),  # a whole zero group keeps its 零
    ],
)
def test_allowed_and_wrong_forms(amount: str, text: str, ok: bool) -> None:
    assert rmb.matches(text, forms.parse_yuan(amount)) is ok


@given(st.integers(min_value=0, max_value=rmb.MAX_FEN - 1))
def test_words_read_back_and_match_only_their_amount(fen: int) -> None:
    text = rmb.words(fen)
    assert rmb.parse(text) == fen
    assert rmb.matches(text, fen)
    assert not rmb.matches(text, fen + 1)
    assert set(text) <= set(rmb.DIGITS + "拾佰仟万亿元角分整")
    assert "零零" not in text and not text.startswith("零" if fen >= 100 else "\x01")


@given(st.integers(min_value=1, max_value=10**12))
def test_optional_zero_before_jiao_may_be_left_out(fen: int) -> None:
    text = rmb.words(fen)
    if fen >= 1000 and (fen // 100) % 10 == 0 and fen // 10 % 10:
        plain = text.replace("元零", "元")
        assert plain != text and rmb.matches(plain, fen) and rmb.parse(plain) == fen
    if fen % 100 and fen % 10 == 0:
        assert rmb.matches(text + "整", fen)


def test_negative_or_fractional_fen_are_refused() -> None:
    for bad in (-1, 1.5, True, rmb.MAX_FEN + 1):
        with pytest.raises(ValueError):
            rmb.words(bad)
