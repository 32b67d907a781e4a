"""The trade board's services: the 统一社会信用代码 check, the platform's review rules for members and
listings, expiry on the world clock, search, and the seeded NPC market."""

from __future__ import annotations

import string
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sandbox.b2b import companies, credit_code, listing_review, listings, members, npc_market  # noqa: F401  (registers the actions)
from sandbox.b2b.company_models import Company, MembershipStatus
from sandbox.b2b.listing_models import Listing, ListingStatus
from sandbox.bank import idcheck
from sandbox.errors import Conflict, DomainError, NotFound
from sandbox.worlds import npc
from sandbox.worlds.base import Event

REGIONS = st.sampled_from(["110105", "310104", "330106", "440305", "510107"])


# --- 统一社会信用代码 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("91330106MA2H7Q3K53", True),  # a real-looking code with a right check character
        ("91350100M000100Y43", True),  # a published example (GB 32100-2015)
        ("91330106MA2H7Q3K54", False),  # the check character changed
        ("91330106MA2H7Q3K5", False),  # 17 characters
        ("91330106MA2H7Q3KO3", False),  # O is not in the alphabet
        ("", False),
    ],
)
def test_credit_code_check(code: str, ok: bool) -> None:
    assert credit_code.is_valid(code) is ok
    assert idcheck.valid_credit_code(code) is ok  # the bank's check agrees


def test_credit_code_says_why() -> None:
    assert credit_code.problem("9133") == "统一社会信用代码须为18位"
    assert "校验位" in credit_code.problem("91330106MA2H7Q3K54")
    assert "I、O、S、V、Z" in credit_code.problem("91330106MA2H7Q3KO3")
    assert credit_code.problem(" 91330106ma2h7q3k53 ") == ""  # spaces and lower case are forgiven


@settings(max_examples=200, deadline=None)
@given(region=REGIONS, serial=st.integers(0, 36**6 - 1))
def test_generated_codes_validate(region: str, serial: int) -> None:
    code = credit_code.make_code(region, serial)
    assert len(code) == 18 and credit_code.is_valid(code)


@settings(max_examples=300, deadline=None)
@given(
    region=REGIONS,
    serial=st.integers(0, 36**6 - 1),
    position=st.integers(0, 17),
    replacement=st.sampled_from(credit_code.ALPHABET),
)
def test_one_changed_character_breaks_the_code(
    region: str, serial: int, position: int, replacement: str
) -> None:
    code = credit_code.make_code(region, serial)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert not credit_code.is_valid(changed)


# --- the listing rules ------------------------------------------------------------------------


def rule(**changes: object) -> listing_review.Finding | None:
    """The review of a clean listing with changes."""
    fields = {
        "title": "304不锈钢真空保温杯 500ml 支持定制",
        "product": "保温杯",
        "spec": "304不锈钢，500ml",
        "description": "",
        "category": "家居用品",
        "price_fen": 2680,
        **changes,
    }
    return listing_review.review(**fields)


@pytest.mark.parametrize(
    ("title", "found"),
    [
        ("保温杯批发 电话13812345678", "13812345678"),
        ("保温杯批发 138-1234-5678", "138-1234-5678"),
        ("保温杯批发 0571-88886666", "0571-88886666"),
        ("保温杯批发 QQ:12345678", "QQ:12345678"),
        ("保温杯批发 加微信 abc_12345", "微信 abc_12345"),
        ("保温杯批发 www.example.com", "www.example.com"),
        ("保温杯批发 sales@cup.cn", "sales@cup.cn"),
    ],
)
def test_contact_details_in_the_title_are_rejected(title: str, found: str) -> None:
    finding = rule(title=title)
    assert finding is not None and "标题" in finding.reason and finding.detail == found


def test_other_rules() -> None:
    assert rule() is None
    assert rule(spec="咨询QQ 88886666").reason == listing_review.FIELD_MESSAGES["spec"]
    banned = rule(title="全网最低价 不锈钢保温杯 批发")
    assert banned.reason == listing_review.BANNED_MESSAGE and banned.detail == "最低价"
    assert rule(description="国家级品质").detail == "国家级"
    assert rule(price_fen=5).reason == listing_review.PRICE_MESSAGE  # 5 fen for a cup: a wrong unit
    assert rule(price_fen=None) is None  # 面议
    assert rule(title="500ml保温杯 2026新款 批发") is None  # numbers are not phone numbers


# --- services on a world ----------------------------------------------------------------------


def supplier(w) -> Company:  # noqa: ANN001
    """An approved NPC supplier of the seeded market."""
    return w.db.scalars(select(Company).where(Company.trade_role == "supplier").order_by(Company.id)).first()


def form(**changes: str) -> dict[str, str]:
    return {
        "kind": "supply",
        "title": "竹制砧板 家用切菜板 厂家直销",
        "category": "家居用品",
        "product": "竹砧板",
        "spec": "楠竹，40×30×2cm",
        "quantity": "5000",
        "unit": "个",
        "price": "22.50",
        "validity_days": "7",
        "delivery_terms": "10天内发货",
        "payment_terms": "月结",
        **changes,
    }


def test_the_seeded_market(w) -> None:  # noqa: ANN001
    approved = list(w.db.scalars(select(Company).where(Company.status == MembershipStatus.APPROVED)))
    assert len(approved) >= 9 and all(credit_code.is_valid(c.credit_code) for c in approved)
    assert {c.trade_role for c in approved} >= {"supplier", "purchaser"}
    found = listings.browse(w)
    assert found.total >= 15 and {x.kind for x in found.listings} == {"supply", "demand"}
    assert len({x.category for x in found.listings}) >= 5


def test_listing_reviewed_published_and_expired_on_the_world_clock(w) -> None:  # noqa: ANN001
    company = supplier(w)
    listing = listings.create(w, company, form())
    assert listing.status == ListingStatus.PENDING and listing.number.startswith("GQ")
    assert listing not in listings.browse(w, q="砧板").listings  # not before the review
    listings.review(w, listing)
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.valid_until == w.now() + timedelta(days=7)
    assert listings.browse(w, q="竹 砧板").listings == [listing]
    six_days = w.now() + timedelta(days=6, hours=23)
    with w.at(six_days):
        npc.run_due(w, [])
        assert listings.state(w, listing) == ListingStatus.PUBLISHED
    later = w.now() + timedelta(days=7, minutes=1)
    with w.at(later):
        npc.run_due(w, [])  # the expiry step scheduled at publication runs
        assert listing.status == ListingStatus.EXPIRED and listings.state(w, listing) == "expired"
        assert listings.browse(w, q="砧板").listings == []
        with pytest.raises(NotFound):
            listings.visible(w, listing.id)
        assert [e.name for e in w.emitted][-1] == "b2b.listing_expired"
        listings.renew(w, company, listing)
        assert listings.browse(w, q="砧板").listings == [listing]
        assert listing.valid_until == later + timedelta(days=7)


def test_a_published_listing_past_its_date_is_hidden_even_before_the_step_runs(w) -> None:  # noqa: ANN001
    company = supplier(w)
    listing = listings.create(w, company, form())
    listings.review(w, listing)
    with w.at(w.now() + timedelta(days=8)):
        assert listing.status == ListingStatus.PUBLISHED and listings.state(w, listing) == "expired"
        assert listing not in listings.browse(w).listings


def test_rejected_listing_keeps_reason_and_is_corrected(w) -> None:  # noqa: ANN001
    company = supplier(w)
    listing = listings.create(w, company, form(title="竹砧板批发 联系电话13912345678"))
    listings.review(w, listing)
    assert listing.status == ListingStatus.REJECTED and listing.reason_detail == "13912345678"
    assert w.emitted[-1].name == "b2b.listing_rejected"
    listings.update(w, company, listing, form())
    assert listing.status == ListingStatus.PENDING and listing.reason == ""
    with pytest.raises(Conflict):
        listings.update(w, company, listing, form())  # not while it is reviewed
    listings.review(w, listing)
    assert listing.status == ListingStatus.PUBLISHED


def test_listing_form_refusals_change_nothing(w) -> None:  # noqa: ANN001
    company = supplier(w)
    before = w.db.scalar(select(func.count(Listing.id)))
    bad = {
        "price": ("12.345", "金额必须是数字，最多两位小数"),
        "quantity": ("-3", "数量须为正整数"),
        "unit": ("斤斤", "请选择计量单位"),
        "category": ("军火", "请选择行业类目"),
        "validity_days": ("1000", "请选择信息有效期"),
        "title": ("短", "标题须为6-40个字"),
    }
    for field, (value, message) in bad.items():
        with pytest.raises(listings.ListingInvalid) as caught:
            listings.create(w, company, form(**{field: value}))
        assert caught.value.errors[field] == message and caught.value.status == 422
    assert w.db.scalar(select(func.count(Listing.id))) == before


def test_only_approved_members_post_and_only_the_owner_changes(w) -> None:  # noqa: ANN001
    user = members.open_login(w, login="new@mail.sim", password="pw123456", name="新人")
    with pytest.raises(DomainError) as caught:
        listings.create(w, user.company, form())
    assert caught.value.status == 403
    mine = listings.create(w, supplier(w), form())
    other = w.db.scalars(select(Company).where(Company.trade_role == "purchaser")).first()
    with pytest.raises(NotFound):
        listings.update(w, other, mine, form())
    with pytest.raises(NotFound):
        listings.withdraw(w, other, mine)
    with pytest.raises(NotFound):
        listings.own(w, other, mine.id)


def profile(**changes: str) -> dict[str, str]:
    return {
        "name": "杭州瑞丰商贸有限公司",
        "credit_code": credit_code.make_code("330106", 4242),
        "address": "浙江省杭州市西湖区文三路100号",
        "contact_name": "李雷",
        "contact_phone": "13912345678",
        "business_scope": "日用百货的批发与零售；货物进出口",
        "main_products": "日用百货",
        **changes,
    }


def test_membership_review(w) -> None:  # noqa: ANN001
    user = members.open_login(w, login="m@mail.sim", password="pw123456", name="李雷")
    company = companies.save_profile(w, user, profile(), submit=True)
    assert company.status == MembershipStatus.PENDING
    assert w.emitted[-1].name == "b2b.member_submitted"
    companies.review(w, company)
    assert company.status == MembershipStatus.APPROVED
    with pytest.raises(Conflict):
        companies.save_profile(w, user, profile(name="杭州别的商贸有限公司"), submit=False)


def test_membership_rejected_by_the_register_then_corrected(w) -> None:  # noqa: ANN001
    from sandbox.bank import accounts

    code = credit_code.make_code("330106", 777)
    accounts.register_company(w, code, "杭州嘉和科技有限公司", "")
    user = members.open_login(w, login="k@mail.sim", password="pw123456", name="韩梅梅")
    company = companies.save_profile(w, user, profile(name="杭州嘉和有限公司", credit_code=code), submit=True)
    companies.review(w, company)
    assert company.status == MembershipStatus.REJECTED and "工商登记" in company.reason
    companies.save_profile(w, user, profile(name="杭州嘉和科技有限公司", credit_code=code), submit=True)
    companies.review(w, company)
    assert company.status == MembershipStatus.APPROVED


def test_profile_refusals_name_each_field(w) -> None:  # noqa: ANN001
    user = members.open_login(w, login="x@mail.sim", password="pw123456", name="X")
    with pytest.raises(companies.ProfileInvalid) as caught:
        companies.save_profile(
            w,
            user,
            profile(
                credit_code="91330106MA2H7Q3K54", contact_phone="12345", name="瑞丰", business_scope="百货"
            ),
            submit=True,
        )
    assert set(caught.value.errors) == {"credit_code", "contact_phone", "name", "business_scope"}
    assert "校验位" in caught.value.errors["credit_code"]
    assert user.company is None
    assert not [e for e in w.emitted if e.name.startswith("b2b.")]


def test_review_member_npc_rule_with_delay(w) -> None:  # noqa: ANN001
    user = members.open_login(w, login="n@mail.sim", password="pw123456", name="N")
    companies.save_profile(w, user, profile(credit_code=credit_code.make_code("330106", 99)), submit=True)
    rules = [{"on": "b2b.member_submitted", "do": "b2b.review_member", "args": {"after": "+1m"}}]
    w.db.flush()
    npc.run_due(w, rules)
    assert user.company.status == MembershipStatus.PENDING  # a minute has not passed
    with w.at(w.now() + timedelta(minutes=2)):
        npc.run_due(w, rules)
    assert user.company.status == MembershipStatus.APPROVED
    names = [e.name for e in w.db.scalars(select(Event).order_by(Event.id))]
    assert "b2b.member_approved" in names


def test_keywords_use_chinese_words() -> None:
    assert listings.keywords("不锈钢保温杯") == ["不锈钢", "保温杯"]
    assert listings.keywords("  ") == []
    assert set(string.punctuation).isdisjoint("".join(listings.keywords("保温杯, 批发!")))
