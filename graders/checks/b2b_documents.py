"""Grader checks about business documents (网上单证): a document sent by the candidate's company to a
named company, its fields group by group, its line items, its totals and its 人民币大写.

Every check grades the same document: the latest version of the given type that the identity's
company (`role`, an enterprise identity) sent to the company named `to` and that is still in force
(sent or accepted; not a draft, withdrawn or superseded). Expected money is given in yuan as text
("89.50"); expected totals are computed from the expected lines and tax rate, so a wrong rate or price
costs the totals and the 大写 even though the document adds up by itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import text
from sandbox.b2b import forms, rmb
from sandbox.b2b.company_models import Company, CompanyUser
from sandbox.b2b.document_models import STATUS_LABELS, DocStatus, Document

IN_FORCE = (DocStatus.SENT, DocStatus.ACCEPTED)


def _identity(ctx: GradeContext, role: str) -> dict[str, Any]:
    found = next((i for i in ctx.identities if i["role"] == role), None)
    if found is None:
        raise ValueError(f"no identity with role {role!r}")
    return found


def _company_of(ctx: GradeContext, role: str) -> Company | None:
    ident = _identity(ctx, role)
    login = ident.get("b2b_login") or ident.get("email")
    user = ctx.world.db.scalars(select(CompanyUser).where(CompanyUser.login == login)).first()
    return user.company if user is not None else None


def _documents(ctx: GradeContext, role: str, doc_type: str) -> tuple[Company | None, list[Document]]:
    company = _company_of(ctx, role)
    if company is None:
        return None, []
    q = select(Document).where(Document.sender_id == company.id, Document.doc_type == doc_type)
    return company, list(ctx.world.db.scalars(q.order_by(Document.id)))


def _line(doc: Document) -> str:
    to = doc.receiver.name if doc.receiver else "（未选）"
    total = f" ¥{rmb.yuan_text(doc.grand_total_fen)}" if doc.grand_total_fen is not None else ""
    return f"{doc.number or '（草稿）'} → {to} {STATUS_LABELS.get(doc.status, doc.status)}{total}"


def _graded(ctx: GradeContext, role: str, doc_type: str, to: str) -> tuple[Document | None, dict[str, Any]]:
    """The document graded, and the evidence listing every document of the type the company made."""
    _, docs = _documents(ctx, role, doc_type)
    label = forms.REGISTRY[doc_type].label if doc_type in forms.REGISTRY else doc_type
    evidence = text_evidence(f"本公司的{label}", [_line(d) for d in docs] or "（无）")
    wanted = text(to)
    in_force = [d for d in docs if d.status in IN_FORCE and d.receiver and text(d.receiver.name) == wanted]
    return (in_force[-1] if in_force else None), evidence


def _missing(doc_type: str, to: str, evidence: dict[str, Any]) -> CheckResult:
    label = forms.REGISTRY[doc_type].label if doc_type in forms.REGISTRY else doc_type
    return CheckResult.failed(f"没有发给 {to} 的有效{label}", evidence)


def _same(field: forms.Field | None, got: Any, expected: Any) -> bool:  # noqa: ANN401
    if got is None:
        return False
    kind = field.kind if field else "text"
    if kind == "money":
        try:
            return int(got) == forms.parse_yuan(expected)
        except (TypeError, ValueError):
            return False
    if kind == "decimal":
        return Decimal(str(got)) == Decimal(str(expected))
    if kind == "int":
        return str(got) == str(expected)
    if kind in ("credit_code",):
        return text(str(got)).upper() == text(str(expected)).upper()
    return text(str(got)) == text(str(expected))


def _shown(field: forms.Field | None, value: Any) -> str:  # noqa: ANN401
    if value is None or value == "":
        return "（空）"
    if field is not None and field.kind == "money" and isinstance(value, int):
        return rmb.yuan_text(value)
    return str(value)


@check("state", "b2b.document_sent")
def document_sent(ctx: GradeContext, role: str, doc_type: str, to: str) -> CheckResult:
    """The identity's company sent a document of this type to the company named `to`, still in force."""
    doc, evidence = _graded(ctx, role, doc_type, to)
    if doc is None:
        return _missing(doc_type, to, evidence)
    return CheckResult.passed(f"已发送 {doc.number}（{STATUS_LABELS.get(doc.status, doc.status)}）", evidence)


@check("state", "b2b.document_fields")
def document_fields(
    ctx: GradeContext,
    role: str,
    doc_type: str,
    to: str,
    fields: dict[str, Any] | None = None,
    identity_fields: dict[str, str] | None = None,
) -> CheckResult:
    """The graded document's fields hold the expected values (one share of the points per field; a
    field whose text contains several facts, such as 地址、电话, is right when it contains each of the
    values given as a list). `identity_fields` maps a field to a key of the identity's details (e.g.
    buyer_name: company_name): the candidate's own company name, credit code, contact and mobile."""
    doc, evidence = _graded(ctx, role, doc_type, to)
    if doc is None:
        return _missing(doc_type, to, evidence)
    ident = _identity(ctx, role)
    fields = {**(fields or {}), **{k: ident.get(v, "") for k, v in (identity_fields or {}).items()}}
    t = forms.REGISTRY[doc_type]
    values = doc.values
    rows, wrong = [], []
    for name, expected in fields.items():
        f = t.field(name)
        got = values.get(name)
        if isinstance(expected, list):
            ok = got is not None and all(text(str(part)) in text(str(got)) for part in expected)
            shown_expected = "、".join(str(p) for p in expected)
        else:
            ok = _same(f, got, expected)
            shown_expected = str(expected)
        label = f.label if f else name
        rows.append(f"{'✓' if ok else '✗'} {label}：{_shown(f, got)}（应为 {shown_expected}）")
        if not ok:
            wrong.append(label)
    fields_evidence = text_evidence(f"{doc.number} 各字段", rows)
    fraction = (len(fields) - len(wrong)) / len(fields) if fields else 1.0
    if not wrong:
        return CheckResult.passed(f"{doc.number} 的字段都正确", fields_evidence, evidence)
    return CheckResult(fraction, f"{doc.number} 中不正确：{'、'.join(wrong)}", [fields_evidence, evidence])


def _expected_lines(lines: list[dict[str, Any]], price: str) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        row = {k: v for k, v in line.items() if k in ("name", "spec", "unit", "qty")}
        row["unit_price"] = str(line[price])
        out.append(row)
    return out


@check("state", "b2b.document_lines")
def document_lines(
    ctx: GradeContext,
    role: str,
    doc_type: str,
    to: str,
    lines: list[dict[str, Any]],
    price: str = "unit_price",
) -> CheckResult:
    """The graded document's line items are the expected goods (name, spec, unit, quantity, unit price
    from the key `price` of each expected line): one share per cell; a missing line loses its cells,
    an extra line costs one cell's share."""
    doc, evidence = _graded(ctx, role, doc_type, to)
    if doc is None:
        return _missing(doc_type, to, evidence)
    t = forms.REGISTRY[doc_type]
    expected = _expected_lines(lines, price)
    got = list(doc.lines)
    rows, right, total = [], 0, 0
    for i, want in enumerate(expected):
        match = next((g for g in got if text(str(g.get("name") or "")) == text(want["name"])), None)
        if match is None and i < len(doc.lines):
            match = doc.lines[i]
        if match is not None and match in got:
            got.remove(match)
        for name, value in want.items():
            col = next((c for c in t.columns if c.name == name), None)
            value_got = match.get(name) if match else None
            ok = _same(col, value_got, value)
            right += ok
            total += 1
            label = col.label if col else name
            rows.append(f"{'✓' if ok else '✗'} 第{i + 1}行 {label}：{_shown(col, value_got)}（应为 {value}）")
    for extra in got:
        rows.append(f"✗ 多出的一行：{extra.get('name')}")
        total += 1
    lines_evidence = text_evidence(f"{doc.number} 货物明细", rows)
    fraction = right / total if total else 1.0
    if fraction == 1.0:
        return CheckResult.passed(f"{doc.number} 的货物明细都正确", lines_evidence, evidence)
    return CheckResult(
        fraction, f"{doc.number} 的货物明细有 {total - right} 处不正确", [lines_evidence, evidence]
    )


def _expected_totals(lines: list[dict[str, Any]], price: str, tax_rate: Any) -> dict[str, int]:  # noqa: ANN401
    total = sum(int(line["qty"]) * forms.parse_yuan(str(line[price])) for line in lines)
    tax = forms.tax_of(total, int(tax_rate))
    return {"total_amount": total, "tax_amount": tax, "grand_total": total + tax}


@check("state", "b2b.document_totals")
def document_totals(
    ctx: GradeContext,
    role: str,
    doc_type: str,
    to: str,
    lines: list[dict[str, Any]],
    tax_rate: Any,  # noqa: ANN401
    price: str = "unit_price",
) -> CheckResult:
    """The graded document's tax rate, total, tax and grand total are those of the expected goods and
    rate (a quarter of the points each)."""
    doc, evidence = _graded(ctx, role, doc_type, to)
    if doc is None:
        return _missing(doc_type, to, evidence)
    want = _expected_totals(lines, price, tax_rate)
    got = {"total_amount": doc.total_fen, "tax_amount": doc.tax_fen, "grand_total": doc.grand_total_fen}
    rate = doc.values.get("tax_rate")
    rows = [f"{'✓' if str(rate) == str(tax_rate) else '✗'} 税率：{rate}%（应为 {tax_rate}%）"]
    right = int(str(rate) == str(tax_rate))
    labels = {"total_amount": "合计金额", "tax_amount": "税额", "grand_total": "价税合计"}
    for key, label in labels.items():
        ok = got[key] == want[key]
        right += ok
        shown = rmb.yuan_text(got[key]) if got[key] is not None else "（空）"
        rows.append(f"{'✓' if ok else '✗'} {label}：{shown}（应为 {rmb.yuan_text(want[key])}）")
    totals_evidence = text_evidence(f"{doc.number} 金额", rows)
    if right == 4:
        return CheckResult.passed(f"{doc.number} 的税率和金额都正确", totals_evidence)
    return CheckResult(right / 4, f"{doc.number} 的税率或金额不正确", [totals_evidence, evidence])


@check("state", "b2b.document_words")
def document_words(
    ctx: GradeContext,
    role: str,
    doc_type: str,
    to: str,
    lines: list[dict[str, Any]],
    tax_rate: Any,  # noqa: ANN401
    price: str = "unit_price",
) -> CheckResult:
    """The graded document's 价税合计（大写） is a correct 人民币大写 of the expected grand total."""
    doc, evidence = _graded(ctx, role, doc_type, to)
    if doc is None:
        return _missing(doc_type, to, evidence)
    want = _expected_totals(lines, price, tax_rate)["grand_total"]
    words = str(doc.values.get("amount_words") or "")
    row = text_evidence(
        f"{doc.number} 大写金额", f"{words or '（空）'}（应为 {rmb.words(want)}，即 ¥{rmb.yuan_text(want)}）"
    )
    if rmb.matches(words, want):
        return CheckResult.passed(f"{doc.number} 的大写金额正确", row)
    return CheckResult.failed(f"{doc.number} 的大写金额不是 ¥{rmb.yuan_text(want)} 的正确大写", row, evidence)
