"""Document types (单证种类): each type's fields, line-item columns and rules, and the validation of a
filled form.

A form as filled in (`RawForm`) is strings only: `{"fields": {name: text}, "lines": [{column: text}]}`.
`validate(doc_type, raw)` checks it completely and returns the clean document (`Clean`: typed field
values, lines with money in fen, computed totals) or raises `FormInvalid` with one message per field
(`"lines-0-qty"` for a line's column). Amounts are typed in yuan with at most two decimals and stored in
fen. Totals the user enters must equal the computed ones (the message gives the expected value); the
人民币大写 must state the grand total.

A type is a `DocType` in `REGISTRY`; `register()` adds one (the deal's documents register their own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.b2b import credit_code, rmb
from sandbox.errors import N_, DomainError

UNITS = (
    "个",
    "件",
    "台",
    "套",
    "箱",
    "包",
    "袋",
    "盒",
    "罐",
    "瓶",
    "双",
    "张",
    "把",
    "卷",
    "米",
    "千克",
    "吨",
)
TAX_RATES = ("0", "1", "3", "6", "9", "13")  # percent
PAYMENT_TERMS = (
    N_("款到发货"),
    N_("货到付款"),
    N_("预付30%，余款发货前付清"),
    N_("月结30天"),
    N_("银行承兑汇票"),
)
MAX_LINES = 20
MAX_AMOUNT_FEN = 10**12  # 一百亿元
MAX_QTY = 1_000_000
MONEY_RE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
DECIMAL_RE = re.compile(r"[0-9]{1,9}(\.[0-9]{1,3})?")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PHONE_RE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
TOTAL_FIELDS = ("total_amount", "tax_amount", "grand_total")
GROUP_ORDER = ("parties", "terms", "goods", "totals", "remarks")


@dataclass(frozen=True)
class Field:
    """One field of a document (or one column of its line items)."""

    name: str
    label: str  # message key
    kind: str = "text"  # text, textarea, date, phone, credit_code, money, decimal, int, choice, words
    required: bool = True
    group: str = "terms"  # parties, terms, goods, totals, remarks: the form's sections, the rubric's groups
    choices: tuple[str, ...] = ()
    max_len: int = 100


@dataclass(frozen=True)
class DocType:
    """A kind of document: its number prefix, fields, line-item columns and what a receiver may do."""

    code: str
    label: str  # message key
    prefix: str  # number prefix, e.g. CG → CG20261201-0003
    fields: tuple[Field, ...]
    columns: tuple[Field, ...]
    money: bool = True  # priced lines, tax and totals with 大写
    # receiver's actions → the status they lead to
    actions: Mapping[str, str] = field(default_factory=lambda: {"accept": "accepted", "reject": "rejected"})
    check: Callable[[Clean, dict[str, tuple[str, dict]]], None] | None = None  # extra cross-field rules

    def field(self, name: str) -> Field | None:
        """The field of that name, if the type has it."""
        return next((f for f in self.fields if f.name == name), None)

    def groups(self) -> list[str]:
        """The sections of the form in order (the line items are the goods section)."""
        present = {f.group for f in self.fields} | {"goods"}
        return [g for g in GROUP_ORDER if g in present]


@dataclass
class Clean:
    """A completely valid document: typed fields, lines and computed totals (fen)."""

    fields: dict[str, Any]
    lines: list[dict[str, Any]]
    totals: dict[str, int]


class FormInvalid(DomainError):
    """A form with errors: `errors` maps each field (or `lines-<i>-<column>`) to (message key, params)."""

    status = 422

    def __init__(self, errors: dict[str, tuple[str, dict]]) -> None:
        super().__init__(N_("单证填写有误，请按提示修改后再提交（共 %(n)s 处）"), n=len(errors))
        self.errors = errors


REGISTRY: dict[str, DocType] = {}


def register(doc_type: DocType) -> DocType:
    """Add a document type to the registry (its code and prefix must be new)."""
    if doc_type.code in REGISTRY or any(t.prefix == doc_type.prefix for t in REGISTRY.values()):
        raise ValueError(f"document type {doc_type.code} or prefix {doc_type.prefix} already registered")
    REGISTRY[doc_type.code] = doc_type
    return doc_type


def get_type(code: object) -> DocType:
    """A registered type by code; an unknown one is a DomainError."""
    found = REGISTRY.get(str(code or ""))
    if found is None:
        raise DomainError(N_("没有这种单证：%(code)s"), status=404, code=str(code or "")[:20] or "—")
    return found


# ---- parsing single values --------------------------------------------------------------------


def parse_yuan(text: object) -> int:
    """An amount typed in yuan (at most two decimals, thousands commas and ¥ allowed) as fen."""
    t = str(text or "").strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not MONEY_RE.fullmatch(t):
        raise ValueError(text)
    fen = int(Decimal(t) * 100)
    if fen > MAX_AMOUNT_FEN:
        raise ValueError(text)
    return fen


def yuan(fen: int | None) -> str:
    """Fen as the yuan text a form shows (1234.50); "" for None."""
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def tax_of(total_fen: int, rate_percent: int) -> int:
    """Tax on an amount, rounded to the fen half up."""
    return int((Decimal(total_fen) * rate_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _value(f: Field, text: str, errors: dict, key: str) -> Any:  # noqa: ANN401, C901, PLR0911, PLR0912
    """The typed value of one field's text, or None after recording its error."""
    if len(text) > (f.max_len if f.kind != "textarea" else 1000):
        errors[key] = (N_("%(label)s 不能超过 %(max)s 个字"), {"label": f.label, "max": f.max_len})
        return None
    if f.kind in ("text", "textarea", "words"):
        return text
    if f.kind == "date":
        try:
            if not DATE_RE.fullmatch(text):
                raise ValueError(text)
            return date.fromisoformat(text).isoformat()
        except ValueError:
            errors[key] = (N_("%(label)s 须为有效日期，格式 YYYY-MM-DD，例如 2026-12-01"), {"label": f.label})
            return None
    if f.kind == "phone":
        if not PHONE_RE.fullmatch(text):
            errors[key] = (N_("%(label)s 须为11位手机号或带区号的固定电话"), {"label": f.label})
            return None
        return text
    if f.kind == "credit_code":
        problem = credit_code.problem(text)
        if problem:
            errors[key] = (problem, {})
            return None
        return credit_code.normalise(text)
    if f.kind == "money":
        try:
            return parse_yuan(text)
        except ValueError:
            errors[key] = (
                N_("%(label)s 以元为单位填写数字，最多两位小数，例如 1234.50"),
                {"label": f.label},
            )
            return None
    if f.kind == "decimal":
        if not DECIMAL_RE.fullmatch(text):
            errors[key] = (N_("%(label)s 须为数字，最多三位小数"), {"label": f.label})
            return None
        return str(Decimal(text))
    if f.kind == "int":
        if not text.isdigit() or not 0 < int(text) <= MAX_QTY:
            errors[key] = (N_("%(label)s 须为大于 0 的整数"), {"label": f.label})
            return None
        return int(text)
    if f.kind == "choice":
        if text not in f.choices:
            errors[key] = (N_("%(label)s 请从列表中选择"), {"label": f.label})
            return None
        return text
    raise AssertionError(f.kind)  # pragma: no cover - a type declared an unknown kind


def _clean_values(
    specs: tuple[Field, ...], raw: Mapping[str, object], errors: dict, prefix: str = ""
) -> dict:
    out: dict[str, Any] = {}
    for f in specs:
        text = str(raw.get(f.name) or "").strip()
        key = prefix + f.name
        if not text:
            if f.required:
                errors[key] = (N_("请填写%(label)s"), {"label": f.label})
            out[f.name] = None
            continue
        out[f.name] = _value(f, text, errors, key)
    return out


def _has_text(row: Mapping[str, object]) -> bool:
    return any(str(v or "").strip() for v in row.values())


def validate(doc_type: DocType | str, raw: Mapping[str, Any]) -> Clean:
    """Check a filled form completely; the clean document, or FormInvalid with every error."""
    t = doc_type if isinstance(doc_type, DocType) else get_type(doc_type)
    errors: dict[str, tuple[str, dict]] = {}
    fields = _clean_values(t.fields, raw.get("fields") or {}, errors)
    rows = [r for r in (raw.get("lines") or []) if isinstance(r, Mapping) and _has_text(r)]
    lines = []
    if not rows:
        errors["lines"] = (N_("请至少填写一行货物明细"), {})
    elif len(rows) > MAX_LINES:
        errors["lines"] = (N_("货物明细最多 %(max)s 行"), {"max": MAX_LINES})
    for i, row in enumerate(rows[:MAX_LINES]):
        line = _clean_values(t.columns, row, errors, f"lines-{i}-")
        if t.money:
            _check_line_amount(line, i, errors)
        lines.append(line)
    totals = _totals(t, fields, lines, errors)
    if t.check is not None:
        t.check(Clean(fields, lines, totals), errors)
    if errors:
        raise FormInvalid(errors)
    return Clean(fields, lines, totals)


def _check_line_amount(line: dict[str, Any], i: int, errors: dict) -> None:
    """金额 = 数量 × 单价; an entered amount that differs is an error naming the expected one."""
    qty, price = line.get("qty"), line.get("unit_price")
    if qty is None or price is None:
        line["amount"] = None
        return
    expected = qty * price
    if line.get("amount") is not None and line["amount"] != expected:
        errors[f"lines-{i}-amount"] = (
            N_("金额应为 数量 × 单价 = %(expected)s 元"),
            {"expected": yuan(expected)},
        )
    line["amount"] = expected


def _totals(t: DocType, fields: dict[str, Any], lines: list[dict], errors: dict) -> dict[str, int]:
    """The computed totals; entered totals must agree (the message gives the expected value)."""
    if not t.money:
        return {}
    if any(line.get("amount") is None for line in lines) or fields.get("tax_rate") is None:
        return {}
    total = sum(line["amount"] for line in lines)
    tax = tax_of(total, int(fields["tax_rate"]))
    computed = {"total_amount": total, "tax_amount": tax, "grand_total": total + tax}
    if total + tax > MAX_AMOUNT_FEN:
        errors["grand_total"] = (N_("金额过大"), {})
    messages = {
        "total_amount": N_("合计金额应为各行金额之和 %(expected)s 元"),
        "tax_amount": N_("税额应为 合计金额 × 税率 = %(expected)s 元（四舍五入到分）"),
        "grand_total": N_("价税合计应为 合计金额 + 税额 = %(expected)s 元"),
    }
    for name in TOTAL_FIELDS:
        entered = fields.get(name)
        if entered is not None and entered != computed[name] and name not in errors:
            errors[name] = (messages[name], {"expected": yuan(computed[name])})
    words = fields.get("amount_words")
    if words and not rmb.matches(words, computed["grand_total"]):
        errors["amount_words"] = (N_("大写金额与价税合计不符，请按人民币大写规范书写"), {})
    return computed


def _check_dates(after: str, before: str, message: str) -> Callable[[Clean, dict], None]:
    def check(clean: Clean, errors: dict) -> None:
        first, second = clean.fields.get(before), clean.fields.get(after)
        if first and second and second < first and after not in errors:
            errors[after] = (message, {})

    return check


# ---- the five online documents of 网上单证处理 -----------------------------------------------------


def _priced_columns() -> tuple[Field, ...]:
    return (
        Field("name", N_("货物名称"), group="goods", max_len=60),
        Field("spec", N_("规格型号"), required=False, group="goods", max_len=60),
        Field("unit", N_("单位"), "choice", group="goods", choices=UNITS),
        Field("qty", N_("数量"), "int", group="goods"),
        Field("unit_price", N_("单价（元）"), "money", group="goods"),
        Field("amount", N_("金额（元）"), "money", required=False, group="goods"),
    )


def _money_fields() -> tuple[Field, ...]:
    return (
        Field("tax_rate", N_("税率（%）"), "choice", group="totals", choices=TAX_RATES),
        Field("total_amount", N_("合计金额（元）"), "money", required=False, group="totals"),
        Field("tax_amount", N_("税额（元）"), "money", required=False, group="totals"),
        Field("grand_total", N_("价税合计（元）"), "money", required=False, group="totals"),
        Field("amount_words", N_("价税合计（大写）"), "words", group="totals", max_len=60),
    )


REMARKS = Field("remarks", N_("备注"), "textarea", required=False, group="remarks", max_len=300)

PURCHASE_ORDER = register(
    DocType(
        code="purchase_order",
        label=N_("采购订单"),
        prefix="CG",
        fields=(
            Field("buyer_name", N_("采购方（买方）"), group="parties", max_len=60),
            Field("buyer_contact", N_("买方联系人"), group="parties", max_len=20),
            Field("buyer_phone", N_("买方电话"), "phone", group="parties"),
            Field("seller_name", N_("供货方（卖方）"), group="parties", max_len=60),
            Field("seller_contact", N_("卖方联系人"), required=False, group="parties", max_len=20),
            Field("seller_phone", N_("卖方电话"), "phone", required=False, group="parties"),
            Field("order_date", N_("订货日期"), "date"),
            Field("delivery_date", N_("交货日期"), "date"),
            Field("delivery_place", N_("交货地点"), max_len=120),
            Field("payment_terms", N_("付款方式"), "choice", choices=PAYMENT_TERMS),
            *_money_fields(),
            REMARKS,
        ),
        columns=_priced_columns(),
        check=_check_dates("delivery_date", "order_date", N_("交货日期不能早于订货日期")),
    )
)

SALES_CONTRACT = register(
    DocType(
        code="sales_contract",
        label=N_("购销合同"),
        prefix="HT",
        fields=(
            Field("seller_name", N_("供方（卖方）"), group="parties", max_len=60),
            Field("seller_credit_code", N_("供方统一社会信用代码"), "credit_code", group="parties"),
            Field("seller_address", N_("供方地址"), group="parties", max_len=120),
            Field("buyer_name", N_("需方（买方）"), group="parties", max_len=60),
            Field("buyer_credit_code", N_("需方统一社会信用代码"), "credit_code", group="parties"),
            Field("buyer_address", N_("需方地址"), group="parties", max_len=120),
            Field("sign_date", N_("签订日期"), "date"),
            Field("sign_place", N_("签订地点"), max_len=60),
            Field("delivery_date", N_("交货日期"), "date"),
            Field("delivery_place", N_("交货地点"), max_len=120),
            Field("payment_terms", N_("付款方式"), "choice", choices=PAYMENT_TERMS),
            Field("quality_terms", N_("质量标准"), required=False, max_len=200),
            Field("penalty", N_("违约责任"), "textarea", max_len=300),
            Field("dispute", N_("争议解决方式"), required=False, max_len=200),
            *_money_fields(),
            REMARKS,
        ),
        columns=_priced_columns(),
        check=_check_dates("delivery_date", "sign_date", N_("交货日期不能早于签订日期")),
    )
)

COMMERCIAL_INVOICE = register(
    DocType(
        code="commercial_invoice",
        label=N_("商业发票"),
        prefix="FP",
        fields=(
            Field("buyer_name", N_("购买方名称"), group="parties", max_len=60),
            Field("buyer_tax_id", N_("购买方纳税人识别号"), "credit_code", group="parties"),
            Field("buyer_address_phone", N_("购买方地址、电话"), group="parties", max_len=120),
            Field(
                "buyer_bank_account", N_("购买方开户行及账号"), required=False, group="parties", max_len=80
            ),
            Field("seller_name", N_("销售方名称"), group="parties", max_len=60),
            Field("seller_tax_id", N_("销售方纳税人识别号"), "credit_code", group="parties"),
            Field(
                "seller_address_phone", N_("销售方地址、电话"), required=False, group="parties", max_len=120
            ),
            Field(
                "seller_bank_account", N_("销售方开户行及账号"), required=False, group="parties", max_len=80
            ),
            Field("invoice_date", N_("开票日期"), "date"),
            Field("order_ref", N_("关联订单号"), required=False, max_len=40),
            *_money_fields(),
            REMARKS,
        ),
        columns=_priced_columns(),
    )
)

DELIVERY_NOTE = register(
    DocType(
        code="delivery_note",
        label=N_("配送单"),
        prefix="PS",
        money=False,
        fields=(
            Field("seller_name", N_("发货单位"), group="parties", max_len=60),
            Field("buyer_name", N_("收货单位"), group="parties", max_len=60),
            Field("consignee", N_("收货人"), group="parties", max_len=20),
            Field("consignee_phone", N_("收货人电话"), "phone", group="parties"),
            Field("delivery_address", N_("收货地址"), max_len=120),
            Field("ship_date", N_("发货日期"), "date"),
            Field("carrier", N_("承运单位"), required=False, max_len=40),
            Field("waybill_no", N_("运单号"), required=False, max_len=30),
            Field("order_ref", N_("关联订单号"), required=False, max_len=40),
            REMARKS,
        ),
        columns=(
            Field("name", N_("货物名称"), group="goods", max_len=60),
            Field("spec", N_("规格型号"), required=False, group="goods", max_len=60),
            Field("unit", N_("单位"), "choice", group="goods", choices=UNITS),
            Field("qty", N_("数量"), "int", group="goods"),
        ),
        actions={"accept": "accepted", "reject": "rejected"},
    )
)


def _gross_not_below_net(clean: Clean, errors: dict) -> None:
    for i, line in enumerate(clean.lines):
        net, gross = line.get("net_kg"), line.get("gross_kg")
        if net and gross and Decimal(gross) < Decimal(net) and f"lines-{i}-gross_kg" not in errors:
            errors[f"lines-{i}-gross_kg"] = (N_("毛重不能小于净重"), {})


PACKING_LIST = register(
    DocType(
        code="packing_list",
        label=N_("装箱单"),
        prefix="ZX",
        money=False,
        fields=(
            Field("seller_name", N_("卖方"), group="parties", max_len=60),
            Field("buyer_name", N_("买方"), group="parties", max_len=60),
            Field("pack_date", N_("装箱日期"), "date"),
            Field("invoice_ref", N_("发票号"), required=False, max_len=40),
            Field("shipping_marks", N_("唛头"), required=False, max_len=100),
            REMARKS,
        ),
        columns=(
            Field("name", N_("货物名称"), group="goods", max_len=60),
            Field("spec", N_("规格型号"), required=False, group="goods", max_len=60),
            Field("unit", N_("单位"), "choice", group="goods", choices=UNITS),
            Field("qty", N_("数量"), "int", group="goods"),
            Field("packages", N_("件数（箱）"), "int", group="goods"),
            Field("net_kg", N_("净重（千克）"), "decimal", group="goods"),
            Field("gross_kg", N_("毛重（千克）"), "decimal", group="goods"),
        ),
        check=_gross_not_below_net,
    )
)


# The forms of 网上单证 a member fills in freely (the deal's documents are made by its steps).
ONLINE_TYPES = ("purchase_order", "sales_contract", "commercial_invoice", "delivery_note", "packing_list")

GROUP_LABELS = {
    "parties": N_("当事人"),
    "terms": N_("条款"),
    "goods": N_("货物明细"),
    "totals": N_("金额"),
    "remarks": N_("备注"),
}


def raw_from_form(t: DocType, form: Any) -> dict[str, Any]:  # noqa: ANN401
    """The RawForm of a posted form (a MultiDict): fields by name, line columns as `line_<col>` lists."""
    fields = {f.name: str(form.get(f.name, ""))[:2000] for f in t.fields}
    columns = {c.name: form.getlist(f"line_{c.name}") for c in t.columns}
    count = min(max((len(v) for v in columns.values()), default=0), MAX_LINES + 5)
    lines = [
        {c: str(vals[i])[:200] if i < len(vals) else "" for c, vals in columns.items()} for i in range(count)
    ]
    return {"fields": fields, "lines": lines}
