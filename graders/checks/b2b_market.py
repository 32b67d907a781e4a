"""Grader checks about the trade board: enterprise members and supply/demand listings.

The company graded is the enterprise identity's (its platform login); its listings are judged by
their status as of the world clock when the attempt ended.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.checks.ui import screenshot
from graders.context import GradeContext
from graders.normalise import phone as phone_digits
from graders.normalise import text
from sandbox.b2b import listings as listing_service
from sandbox.b2b.company_models import Company, CompanyUser, MembershipStatus
from sandbox.b2b.listing_models import KIND_LABELS, Listing, ListingStatus
from sandbox.scenarios.loader import fmt_yuan
from sandbox.worlds.base import Event


def _identity(ctx: GradeContext, role: str) -> dict[str, Any] | None:
    return next((i for i in ctx.identities if i["role"] == role), None)


def _company(ctx: GradeContext, role: str) -> Company | None:
    """The company of the identity's platform login, if it has one."""
    ident = _identity(ctx, role)
    if ident is None:
        return None
    user = ctx.world.db.scalars(
        select(CompanyUser).where(CompanyUser.login == ident.get("b2b_login", ""))
    ).first()
    return user.company if user is not None else None


def _history(ctx: GradeContext, company: Company, prefix: str) -> list[str]:
    """The company's events of one kind (member or listing), as lines for the evidence."""
    q = select(Event).where(Event.name.like(f"{prefix}%")).order_by(Event.id)
    return [
        f"{e.at:%m-%d %H:%M} {e.name}{'：' + str(e.payload.get('reason')) if e.payload.get('reason') else ''}"
        + (f"（{e.payload['detail']}）" if e.payload.get("detail") else "")
        for e in ctx.world.db.scalars(q)
        if e.payload.get("company_id") == company.id
    ]


def _score(expected: dict[str, tuple[Any, Any, Any]]) -> tuple[float, list[str], list[dict[str, Any]]]:
    """The share of fields right, the wrong ones' labels, and one evidence line per field."""
    evidence = [text_evidence(f"{label}（应为 {want}）", got) for label, (want, got, _) in expected.items()]
    wrong = [label for label, (want, got, norm) in expected.items() if norm(want) != norm(got)]
    return (len(expected) - len(wrong)) / len(expected), wrong, evidence


def _plain(value: Any) -> str:
    return text("" if value is None else str(value))


@check("state", "b2b.member_approved", sets=("company_id",))
def member_approved(
    ctx: GradeContext, scope: str = "", products: str = "", role: str = "enterprise"
) -> CheckResult:
    """The identity's company is an approved member; its profile is compared field by field with the
    identity (name, credit code, registered address, contact, phone) and the task (scope, products).
    The item earns the share of fields that are right; nothing unless the membership is approved."""
    ident = _identity(ctx, role)
    company = _company(ctx, role)
    if ident is None or company is None:
        return CheckResult.failed("企业会员没有填写企业资料")
    history = text_evidence("认证记录", _history(ctx, company, "b2b.member_") or "（无）")
    if company.status != MembershipStatus.APPROVED:
        state = {"draft": "企业资料没有提交审核", "pending": "企业资料还在审核中"}.get(
            company.status, f"企业会员认证被驳回：{company.reason}"
        )
        return CheckResult.failed(state, history)
    ctx.facts["company_id"] = company.id
    expected: dict[str, tuple[Any, Any, Any]] = {
        "企业名称": (ident["company_name"], company.name, _plain),
        "统一社会信用代码": (ident["credit_code"], company.credit_code, lambda v: _plain(v).upper()),
        "注册地址": (ident["address"], company.address, _plain),
        "联系人": (ident["name"], company.contact_name, _plain),
        "联系电话": (ident["mobile"], company.contact_phone, lambda v: phone_digits(str(v))),
    }
    if scope:
        expected["经营范围"] = (scope, company.business_scope, _plain)
    if products:
        expected["主营产品"] = (products, company.main_products, _plain)
    fraction, wrong, evidence = _score(expected)
    evidence.append(history)
    if not wrong:
        return CheckResult(1.0, f"「{company.name}」已通过企业会员认证，资料正确", evidence)
    return CheckResult(fraction, f"已通过认证，但以下资料与题目不符：{'、'.join(wrong)}", evidence)


def _listing_fields(listing: dict[str, Any], found: Listing, kind: str) -> dict[str, tuple[Any, Any, Any]]:
    fields: dict[str, tuple[Any, Any, Any]] = {
        "信息类型": (KIND_LABELS.get(kind, kind), KIND_LABELS.get(found.kind, found.kind), _plain),
        "标题": (listing["title"], found.title, _plain),
        "类目": (listing["category"], found.category, _plain),
        "产品名称": (listing["product"], found.product, _plain),
        "规格": (listing.get("spec", ""), found.spec, _plain),
        "数量": (f"{listing['quantity']}{listing['unit']}", f"{found.quantity}{found.unit}", _plain),
        "单价": (
            "面议" if listing.get("price_fen") is None else f"¥{fmt_yuan(int(listing['price_fen']))}",
            "面议" if found.price_fen is None else f"¥{fmt_yuan(found.price_fen)}",
            _plain,
        ),
    }
    if listing.get("validity_days"):
        fields["有效期"] = (f"{listing['validity_days']}天", f"{found.validity_days}天", _plain)
    if listing.get("delivery"):
        fields["交货条件"] = (listing["delivery"], found.delivery_terms, _plain)
    if listing.get("payment"):
        fields["付款方式"] = (listing["payment"], found.payment_terms, _plain)
    return fields


@check("state", "b2b.listing_published", sets=("listing_id",))
def listing_published(
    ctx: GradeContext, listing: dict[str, Any], kind: str = "supply", role: str = "enterprise"
) -> CheckResult:
    """A listing of the identity's company is published (passed review, not expired or taken down);
    the best of them is compared field by field with the task (kind, title, category, product, spec,
    quantity with unit, price, validity, delivery and payment terms). The item earns the share of
    fields right; nothing without a published listing."""
    company = _company(ctx, role)
    if company is None:
        return CheckResult.failed("企业会员没有企业资料")
    mine = listing_service.of_company(ctx.world, company)
    lines = [
        f"{x.number} {x.title}（{listing_service.state(ctx.world, x)}{'：' + x.reason if x.reason else ''}）"
        for x in mine
    ]
    history = text_evidence("该企业的供求信息", lines or "（无）")
    published = [x for x in mine if listing_service.state(ctx.world, x) == ListingStatus.PUBLISHED]
    if not published:
        reason = "没有发布供求信息" if not mine else "没有通过审核并处于发布状态的信息"
        return CheckResult.failed(
            reason, history, text_evidence("审核记录", _history(ctx, company, "b2b.listing_"))
        )
    scored = []
    for found in published:
        fraction, wrong, evidence = _score(_listing_fields(listing, found, kind))
        scored.append((fraction, -found.id, found, wrong, evidence))
    fraction, _, best, wrong, evidence = max(scored, key=lambda s: (s[0], s[1]))
    ctx.facts["listing_id"] = best.id
    evidence.append(history)
    if not wrong:
        return CheckResult(1.0, f"信息 {best.number} 已通过审核发布，内容正确", evidence)
    return CheckResult(
        fraction, f"信息 {best.number} 已发布，但以下内容与题目不符：{'、'.join(wrong)}", evidence
    )


@check("state", "b2b.listing_never_rejected")
def listing_never_rejected(ctx: GradeContext, role: str = "enterprise") -> CheckResult:
    """None of the company's listings was rejected by the platform's review."""
    company = _company(ctx, role)
    if company is None:
        return CheckResult.failed("企业会员没有企业资料")
    q = select(Event).where(Event.name == "b2b.listing_rejected").order_by(Event.id)
    rejected = [e for e in ctx.world.db.scalars(q) if e.payload.get("company_id") == company.id]
    history = text_evidence("审核记录", _history(ctx, company, "b2b.listing_") or "（无）")
    if not rejected:
        return CheckResult.passed("信息一次通过平台审核，没有违反发布规则", history)
    first = rejected[0].payload
    return CheckResult.failed(
        f"信息曾因违反发布规则被驳回 {len(rejected)} 次（{first.get('reason')}：{first.get('detail')}）",
        history,
    )


@check("ui", "b2b.visitor_finds_listing", needs=("listing_id",))
def visitor_finds_listing(
    ctx: GradeContext, keywords: str, title: str, price_fen: int | str | None = None
) -> CheckResult:
    """A visitor types the keywords into the platform home's search box and finds the listing (half),
    with its price (a quarter) and its company (a quarter) on the result card; screenshots kept."""
    listing_id = ctx.facts.get("listing_id")
    listing = ctx.world.db.get(Listing, listing_id) if listing_id else None
    company = listing.company.name if listing is not None else ""
    page = ctx.ui.open("/b2b/")
    page.locator('.b2b-search input[name="q"]').fill(keywords)
    page.locator(".b2b-search button[type=submit]").click()
    page.locator('[data-role="result-count"]').wait_for()
    evidence = [screenshot(ctx, "b2b-search")]
    cards = page.locator(".offer-card").filter(has_text=title)
    if cards.count() == 0:
        shown = page.locator(".offer-card .offer-title").all_inner_texts()
        evidence.append(text_evidence(f"搜索“{keywords}”的结果", shown or "（无结果）"))
        return CheckResult.failed(f"访客搜索“{keywords}”找不到标题为「{title}」的信息", *evidence)
    card = cards.first
    price_text = card.locator('[data-role="price"]').inner_text().strip()
    company_text = card.locator(".offer-company").inner_text().strip()
    want_price = "面议" if price_fen in (None, "") else f"¥{fmt_yuan(int(price_fen))}"
    evidence.append(text_evidence("搜索结果中的信息", f"{title} · {price_text} · {company_text}"))
    earned, faults = 0.5, []
    if price_text.startswith(want_price):
        earned += 0.25
    else:
        faults.append(f"价格显示 {price_text}，应为 {want_price}")
    if company and company_text == company:
        earned += 0.25
    else:
        faults.append(f"企业显示「{company_text}」，应为「{company}」")
    card.click()
    page.locator('[data-role="offer-title"]').wait_for()
    evidence.append(screenshot(ctx, "b2b-offer"))
    if not faults:
        return CheckResult(1.0, f"访客搜索“{keywords}”找到了该信息，价格和企业正确", evidence)
    return CheckResult(earned, f"访客能搜到该信息，但{'；'.join(faults)}", evidence)
