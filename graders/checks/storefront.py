"""Checks about the storefront: member accounts and their address books (read the world directly)."""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import phone as phone_digits
from graders.normalise import text
from graders.selection import Judged, choose
from sandbox.storefront.models import Address, Customer

ADDRESS_LABELS = {
    "recipient": "收货人",
    "phone": "手机号",
    "province": "省",
    "city": "市",
    "district": "区",
    "detail": "详细地址",
    "postcode": "邮编",
}


def candidate_customers(ctx: GradeContext) -> list[Customer]:
    """Storefront accounts the candidate registered during the attempt."""
    return list(ctx.world.db.scalars(select(Customer).where(Customer.by_candidate).order_by(Customer.id)))


@check("state", "storefront.customer_registered", sets=("customer_id",))
def customer_registered(ctx: GradeContext, phone: str | None = None) -> CheckResult:
    """The candidate opened a storefront account (with the given phone, if the task names one).

    Half the points when an account exists but with another phone number. When the candidate opened
    several accounts, the one with the right phone is graded and the others are listed.
    Sets `customer_id` (the graded account).
    """
    customers = candidate_customers(ctx)
    if not customers:
        return CheckResult.failed("没有找到考生注册的商城账号")

    def judge(c: Customer) -> Judged[Customer]:
        if phone is None or phone_digits(c.phone) == phone_digits(str(phone)):
            return Judged(c, 1.0, [], f"账号 {c.username}")
        return Judged(c, 0.5, [f"手机号为 {c.phone}"], f"账号 {c.username}")

    judged = [judge(c) for c in customers]
    choice = choose(judged)
    c = choice.chosen.obj
    ctx.facts["customer_id"] = c.id
    evidence = [
        text_evidence("用户名", c.username),
        text_evidence("手机号" + (f"（应为 {phone}）" if phone else ""), c.phone),
        text_evidence("注册时间", c.created_at.isoformat(sep=" ")),
        *(choice.evidence("账号") if len(customers) > 1 else []),
    ]
    if choice.chosen.fraction < 1:
        return CheckResult(0.5, f"已注册商城账号 {c.username}，但手机号不是题目给出的 {phone}", evidence)
    return CheckResult(1.0, f"已注册商城账号 {c.username}", evidence)


def compare_address(given: dict, expected: dict) -> tuple[list[str], list[dict]]:
    """Fields of `given` equal to `expected` (after normalisation), and the evidence field by field."""

    def same(f: str) -> bool:
        norm = phone_digits if f == "phone" else text
        return norm(str(given.get(f, ""))) == norm(str(expected[f]))

    good = [f for f in ADDRESS_LABELS if same(f)]
    evidence = [
        text_evidence(f"{ADDRESS_LABELS[f]}（应为 {expected[f]}）", given.get(f, "")) for f in ADDRESS_LABELS
    ]
    return good, evidence


def address_result(good: list[str], evidence: list[dict], all_right: str) -> CheckResult:
    """Full marks when every field matches, else the share of matching fields, naming the wrong ones."""
    wrong = [ADDRESS_LABELS[f] for f in ADDRESS_LABELS if f not in good]
    if not wrong:
        return CheckResult(1.0, all_right, evidence)
    return CheckResult(len(good) / len(ADDRESS_LABELS), "以下项目不一致：" + "、".join(wrong), evidence)


def _address_fields(row: Address) -> dict:
    return {f: getattr(row, f) for f in ADDRESS_LABELS}


@check("state", "storefront.address_matches")
def address_matches(ctx: GradeContext, address: dict) -> CheckResult:
    """An address book entry equals the given address; partial credit per matching field.

    Of several entries, the one closest to the task's address is graded; the others are listed.
    """
    rows = list(
        ctx.world.db.scalars(
            select(Address).join(Address.customer).where(Customer.by_candidate).order_by(Address.id)
        )
    )
    if not rows:
        return CheckResult.failed("考生账号的地址簿中没有收货地址")
    judged = []
    for row in rows:
        good, _ = compare_address(_address_fields(row), address)
        wrong = [ADDRESS_LABELS[f] for f in ADDRESS_LABELS if f not in good]
        judged.append(
            Judged(
                row,
                len(good) / len(ADDRESS_LABELS),
                ["不一致：" + "、".join(wrong)] if wrong else [],
                f"地址 {row.recipient} {row.province}{row.city}{row.district}{row.detail}",
            )
        )
    choice = choose(judged)
    best = choice.chosen.obj if choice.chosen else rows[0]
    good, evidence = compare_address(_address_fields(best), address)
    if len(rows) > 1:
        evidence += choice.evidence("地址")
    return address_result(good, evidence, "收货地址与题目给出的完全一致")
