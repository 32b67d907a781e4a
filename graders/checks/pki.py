"""Checks about certificates: the application, the certificate issued and installed in the candidate's
store (an artifact: parsed and checked), revocation, and secure mail as its recipients receive it.

The identity graded is named by `role` (its e-mail address is its store's and its mailbox's)."""

from __future__ import annotations

import re
from typing import Any

from cryptography import x509
from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import text
from sandbox.mail import secure
from sandbox.mail import services as mail
from sandbox.mail.models import Folder, Message
from sandbox.pki import ca, keys, store, validation
from sandbox.pki.models import CertApplication, Certificate, CertKind, CertStatus, StoreEntry

FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "email": "电子邮箱",
    "org": "单位名称",
    "credit_code": "统一社会信用代码",
}


def _identity(ctx: GradeContext, role: str) -> dict[str, Any]:
    found = next((i for i in ctx.identities if i["role"] == role), None)
    if found is None:
        raise ValueError(f"no identity with role {role!r}")
    return found


def _expected_fields(ident: dict[str, Any], kind: str) -> dict[str, str]:
    expected = {"name": ident["name"], "id_number": ident["id_number"], "email": ident["email"]}
    if kind == CertKind.ENTERPRISE:
        expected.update(org=ident.get("company_name", ""), credit_code=ident.get("credit_code", ""))
    return expected


def _cert_line(row: Certificate, w: Any) -> str:
    status = CertStatus.LABELS.get(ca.status(w, row), row.status)
    return f"{row.serial} {row.subject_text}（{status}{'：' + row.reason if row.reason else ''}）"


@check("state", "pki.cert_applied")
def cert_applied(ctx: GradeContext, role: str, kind: str = CertKind.PERSONAL) -> CheckResult:
    """The identity applied at the CA for a certificate of this kind with its own details.

    The best application is compared field by field (name, ID number, e-mail; for an enterprise
    certificate also the organisation and its credit code); the item earns the share that is right.
    """
    ident = _identity(ctx, role)
    q = (
        select(CertApplication)
        .where(CertApplication.applicant == ident["email"])
        .order_by(CertApplication.id)
    )
    apps = list(ctx.world.db.scalars(q))
    history = text_evidence(
        "证书申请记录",
        [f"{a.number} {CertKind.LABELS.get(a.kind, a.kind)} {a.status} {a.fields}" for a in apps] or "（无）",
    )
    if not apps:
        return CheckResult.failed("没有提交证书申请", history)
    expected = _expected_fields(ident, kind)
    best, best_right = None, -1
    for a in apps:
        right = sum(
            1 for k, v in expected.items() if text(str(a.fields.get(k, ""))).upper() == text(v).upper()
        )
        right += 1 if a.kind == kind else 0
        if right > best_right:
            best, best_right = a, right
    total = len(expected) + 1
    wrong = [
        FIELD_LABELS[k]
        for k, v in expected.items()
        if text(str(best.fields.get(k, ""))).upper() != text(v).upper()
    ]
    if best.kind != kind:
        wrong.insert(0, f"证书类型（应为{CertKind.LABELS[kind]}）")
    fraction = best_right / total
    if not wrong:
        return CheckResult.passed(f"申请 {best.number} 的类型和资料都正确", history)
    return CheckResult(fraction, f"申请 {best.number} 中不正确：{'、'.join(wrong)}", [history])


def _issued_to(ctx: GradeContext, ident: dict[str, Any], kind: str, new: bool) -> list[Certificate]:
    q = select(Certificate).where(Certificate.holder == ident["email"], Certificate.kind == kind)
    rows = list(ctx.world.db.scalars(q.order_by(Certificate.id)))
    return [r for r in rows if r.application_id is not None] if new else rows


@check("state", "pki.cert_issued")
def cert_issued(ctx: GradeContext, role: str, kind: str = CertKind.PERSONAL, new: bool = True) -> CheckResult:
    """The CA issued the identity a certificate of this kind that is valid now (with `new`, one it
    applied for during the attempt, not one it started with): the codes were redeemed."""
    ident = _identity(ctx, role)
    rows = _issued_to(ctx, ident, kind, new)
    evidence = text_evidence("签发给该身份的证书", [_cert_line(r, ctx.world) for r in rows] or "（无）")
    valid = [r for r in rows if ca.status(ctx.world, r) == CertStatus.VALID]
    if valid:
        return CheckResult.passed(f"已签发有效证书，序列号 {valid[-1].serial}", evidence)
    if rows:
        return CheckResult.failed("签发的证书已不再有效", evidence)
    return CheckResult.failed("没有下载（签发）证书", evidence)


def _store_lines(entries: list[StoreEntry]) -> list[str]:
    lines = []
    for e in entries:
        cert = store.certificate(e)
        if cert is None:
            lines.append(f"#{e.id} 证书请求（等待证书）{e.label}")
        else:
            lines.append(
                f"#{e.id} {cert.subject.rfc4514_string()} 序列号 {keys.serial_hex(cert)} {'含私钥' if e.key_blob else '无私钥'}"
            )
    return lines


@check("artifact", "pki.store_certificate")
def store_certificate(
    ctx: GradeContext,
    role: str,
    kind: str = CertKind.PERSONAL,
    new: bool = True,
    usage: str = "digital_signature",
) -> CheckResult:
    """The identity's certificate store holds, with its private key, a certificate this world's CA issued
    to it (with `new`: one it applied for in the attempt) that is valid now for `usage`.

    The certificate is parsed from the store and checked: subject CN is the identity's name, issuer the
    world's issuing CA, the path and status valid at grading time, key usage as required. Half the points
    when it is there but not valid any more (revoked, expired) or lacks its key.
    """
    ident = _identity(ctx, role)
    entries = store.entries(ctx.world, ident["email"])
    evidence = [text_evidence("证书管理器内容", _store_lines(entries) or "（空）")]
    issued = {r.fingerprint: r for r in _issued_to(ctx, ident, kind, new)}
    partial = None
    for entry in reversed(entries):
        cert = store.certificate(entry)
        if cert is None or keys.fingerprint(cert) not in issued:
            continue
        details = store.details(cert)
        evidence.append(
            text_evidence(
                "证书",
                f"主题 {details.subject}；颁发者 {details.issuer}；序列号 {details.serial}；"
                f"有效期至 {details.not_after:%Y-%m-%d}；指纹 {details.fingerprint}",
            )
        )
        cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        if not cn or text(str(cn[0].value)) != text(ident["name"]):
            partial = partial or ("证书主题与身份不符", entry)
            continue
        checked = validation.check(ctx.world, cert, {usage})
        if entry.key_blob is None:
            partial = partial or ("证书已导入但没有私钥", entry)
        elif checked.outcome != validation.Outcome.VALID:
            partial = partial or (f"证书已导入但{validation.Outcome.LABELS[checked.outcome]}", entry)
        else:
            ctx.facts["store_entry"] = entry.id
            return CheckResult.passed(
                f"证书管理器中有该身份的有效证书（序列号 {details.serial}）及私钥", *evidence
            )
    if partial:
        return CheckResult(0.5, partial[0], evidence)
    return CheckResult.failed("证书管理器中没有 CA 签发给该身份的证书", *evidence)


@check("artifact", "pki.store_csr")
def store_csr(ctx: GradeContext, role: str, min_bits: int = 2048) -> CheckResult:
    """The identity's store made a certificate request (CSR) for its own name: parsed, its signature
    checked, RSA of at least `min_bits`."""
    ident = _identity(ctx, role)
    entries = [e for e in store.entries(ctx.world, ident["email"]) if e.csr_pem]
    evidence = text_evidence("证书请求", [e.csr_pem for e in entries] or "（无）")
    for entry in reversed(entries):
        csr = x509.load_pem_x509_csr(entry.csr_pem.encode())
        cn = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        bits = getattr(csr.public_key(), "key_size", 0)
        if (
            csr.is_signature_valid
            and bits >= min_bits
            and cn
            and text(str(cn[0].value)) == text(ident["name"])
        ):
            return CheckResult.passed(f"证书请求有效：CN={cn[0].value}，RSA {bits} 位", evidence)
    return CheckResult.failed("没有符合要求的证书请求", evidence)


@check("state", "pki.cert_revoked")
def cert_revoked(
    ctx: GradeContext,
    role: str,
    reason: str = "key_compromise",
    which: str = "initial",
    wrong_reason: float = 0.5,
) -> CheckResult:
    """The identity's certificate (`which: initial`: the one it started the attempt with) is revoked with
    `reason`; revoked for another reason earns `wrong_reason` of the points; suspended only, nothing."""
    ident = _identity(ctx, role)
    q = select(Certificate).where(Certificate.holder == ident["email"]).order_by(Certificate.id)
    rows = [r for r in ctx.world.db.scalars(q) if which != "initial" or r.application_id is None]
    evidence = text_evidence("该身份的证书", [_cert_line(r, ctx.world) for r in rows] or "（无）")
    if not rows:
        return CheckResult.failed("该身份没有证书", evidence)
    cert = rows[0]
    label = ca.REVOKE_REASONS.get(reason, reason)
    if cert.status == CertStatus.REVOKED and cert.reason == reason:
        return CheckResult.passed(f"证书 {cert.serial} 已以「{label}」为由吊销", evidence)
    if cert.status == CertStatus.REVOKED:
        given = ca.REVOKE_REASONS.get(cert.reason, cert.reason)
        return CheckResult(wrong_reason, f"证书已吊销，但原因是「{given}」，应为「{label}」", [evidence])
    if cert.status == CertStatus.SUSPENDED:
        return CheckResult.failed("证书只是挂起，没有吊销", evidence)
    return CheckResult.failed("证书没有吊销", evidence)


def _received(ctx: GradeContext, sender: str, to: str) -> list[Message]:
    box = mail.mailbox_by_address(ctx.world, to)
    if box is None:
        return []
    q = select(Message).where(
        Message.mailbox_id == box.id, Message.folder == Folder.INBOX, Message.sender == sender
    )
    return list(ctx.world.db.scalars(q.order_by(Message.id)))


def _contains(body: str, wanted: object) -> bool:
    return wanted in (None, "") or text(str(wanted)) in text(body)


@check("state", "pki.signed_mail")
def signed_mail(ctx: GradeContext, role: str, to: str, contains: str = "") -> CheckResult:
    """The recipient `to` received from the identity a mail with a valid signature by the identity's own
    certificate (and, if given, text containing `contains`). A mail that arrived unsigned earns nothing;
    signed but without the text, half."""
    ident = _identity(ctx, role)
    msgs = _received(ctx, ident["email"], to)
    lines, half = [], None
    for msg in msgs:
        security, entity = secure.inspect(ctx.world, msg)
        body = secure.shown(entity)[0] if entity is not None else ""
        lines.append(
            f"{msg.sent_at:%H:%M} 「{msg.subject}」 签名：{security.label or '无'} 签名者 {security.signer_email}"
        )
        if security.outcome == validation.Outcome.VALID and security.signer_email == ident["email"]:
            if _contains(body, contains):
                return CheckResult.passed(
                    f"{to} 收到签名有效的邮件「{msg.subject}」", text_evidence("收到的邮件", lines)
                )
            half = half or f"邮件「{msg.subject}」签名有效，但正文没有要求的内容"
    evidence = text_evidence("收到的邮件", lines or "（无）")
    if half:
        return CheckResult(0.5, half, [evidence])
    return CheckResult.failed(
        f"{to} 没有收到该身份签名有效的邮件" if msgs else f"没有发给 {to} 的邮件", evidence
    )


@check("state", "pki.encrypted_mail")
def encrypted_mail(ctx: GradeContext, role: str, to: str, contains: str = "") -> CheckResult:
    """The recipient `to` (a world identity with a certificate) received from the identity a mail
    encrypted to the recipient's certificate that the recipient's own key opens, containing `contains`.
    Unencrypted earns nothing; encrypted but without the text, half."""
    ident = _identity(ctx, role)
    msgs = _received(ctx, ident["email"], to)
    lines, half = [], None
    password = store.npc_password(ctx.world, to)
    for msg in msgs:
        security, _ = secure.inspect(ctx.world, msg)
        if not security.encrypted:
            lines.append(f"{msg.sent_at:%H:%M} 「{msg.subject}」 未加密")
            continue
        opened = None
        for entry in secure.recipient_entries(ctx.world, to, msg):
            opened = secure.decrypt_quietly(ctx.world, to, msg, entry.id, password)
            if opened is not None:
                break
        if opened is None:
            lines.append(f"{msg.sent_at:%H:%M} 「{msg.subject}」 已加密，但收件人的私钥无法解密")
            continue
        inner_security, entity = secure.inspect(ctx.world, msg, opened)
        body = secure.shown(entity)[0] if entity is not None else ""
        lines.append(f"{msg.sent_at:%H:%M} 「{msg.subject}」 已加密，收件人可解密；正文：{body[:120]}")
        if _contains(body, contains):
            return CheckResult.passed(
                f"{to} 收到加密邮件「{msg.subject}」并能用自己的证书解密", text_evidence("收到的邮件", lines)
            )
        half = half or f"加密邮件「{msg.subject}」正文没有要求的内容"
    evidence = text_evidence("收到的邮件", lines or "（无）")
    if half:
        return CheckResult(0.5, half, [evidence])
    return CheckResult.failed(f"{to} 没有收到能解密的加密邮件" if msgs else f"没有发给 {to} 的邮件", evidence)


@check("answer", "pki.serial_answer")
def serial_answer(ctx: GradeContext, field: str, email: str) -> CheckResult:
    """The answer is the serial number of the valid certificate the CA's directory lists for `email`
    (hex; case, spaces, colons and leading zeros ignored)."""
    row = ca.encryption_certificate(ctx.world, email)
    given = ctx.answers.get(field, "")
    expected = row.serial if row is not None else "?"
    norm = re.sub(r"[\s:：]|^(序列号|serial( number)?)", "", given, flags=re.I).upper().lstrip("0")
    evidence = [text_evidence("考生填写", given or "（未填写）"), text_evidence("应为", expected)]
    if given.strip() and norm == expected:
        return CheckResult.passed("序列号正确", *evidence)
    return CheckResult(0.0, "序列号不正确" if given.strip() else "未作答", evidence)
