"""The CA's part of a world. In the template: the root and issuing CA (fresh keys for every template,
so no two scenario versions share a CA), the CA's mailbox, and partners (people and companies with
certificates in the CA's directory and keys in their own stores), including a signer whose certificate
was revoked, one whose certificate has expired, and one certified by a CA this world does not trust.
A pool of spare keys lets the overlay give a candidate a certificate without generating a key."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

from cryptography import x509
from sqlalchemy import select
from stdnum.cn import uscc

from sandbox.mail import services as mail
from sandbox.pki import authority, ca, keys, store
from sandbox.pki.models import CertKind, StoreEntry
from sandbox.pki.partners import PARTNERS
from sandbox.worlds.world import World
from seed_data.fakes import derived_digest, derived_secret

POOL = "pool@ca.mail.sim"
CERT_TEST = "certtest@ca.mail.sim"  # where candidates send a first signed mail
POOL_SIZE = 4
ROGUE_CA = "信达安全认证中心"  # a CA this world's trust list does not have


def populate(w: World) -> None:
    """The CA, its mailbox, the partners and the key pool (template time)."""
    ca.found(w)
    mail.open_mailbox(w, ca.CA_MAIL, "云盾数字认证中心")
    mail.open_mailbox(w, CERT_TEST, "云盾证书测试邮箱")
    rogue_key = keys.new_key()
    rogue = authority.root_certificate(
        rogue_key, authority.ca_name(ROGUE_CA, "信达安全认证有限公司"), w.now()
    )
    for p in PARTNERS:
        mail.open_mailbox(w, p.email, p.name, owner="partner")
        key = keys.new_key()
        subject = authority.Subject(CertKind.ENTERPRISE, p.name, p.email, p.org, _code(p.credit_code))
        if p.problem == "untrusted":
            cert = authority.end_entity_certificate(
                subject, key.public_key(), "both", rogue, rogue_key, w.now(), 365
            )
        else:
            start = w.now() - timedelta(days=400) if p.problem == "expired" else w.now() - timedelta(days=30)
            row = ca.issue(w, subject, key.public_key(), holder=p.email, not_before=start)
            cert = x509.load_der_x509_certificate(row.der)
            if p.problem == "revoked":
                row.status, row.status_at, row.reason = (
                    "revoked",
                    w.now() - timedelta(days=2),
                    "key_compromise",
                )
        store.import_key(w, p.email, key, cert, store.npc_password(w, p.email), "seed")
    for _ in range(POOL_SIZE):
        w.db.add(
            StoreEntry(
                owner=POOL,
                key_blob=keys.wrap(keys.new_key(), store.npc_password(w, POOL)),
                added_at=w.now(),
                source="pool",
            )
        )
    w.db.flush()


def _code(code: str) -> str:
    """A credit code with its right check character (the table above gives 17 digits and a placeholder)."""
    return code[:17] + uscc.calc_check_digit(code[:17])


# --- the attempt's part ---------------------------------------------------------------------------

# The three signed letters of an incident paper: (sender key in PARTNERS, subject, text).
LETTERS = (
    (
        "wang",
        "【1】采购合同确认",
        "您好！附件所述采购合同我方已确认，合同金额以双方盖章版本为准。请回复确认。",
    ),
    ("zhao", "【2】发货通知", "您好！贵司订购的货物已于今日发出，运单号将另行告知，请注意查收。"),
    ("chen", "【3】付款提醒", "您好！本月货款请于月底前支付至我司对公账户，账号信息以合同为准。"),
)
PROBLEM_SENDER = {"revoked": "sun", "expired": "zhou", "untrusted": "wu"}


def identity_fields(seed: int, spec: dict[str, Any], ident: dict[str, Any]) -> None:
    """A holder (证书持有人) has no bank card; an identity given a certificate gets its password."""
    if ident["role"] in ("holder", "ra_officer"):
        ident["account_no"] = ident["login_password"] = ident["payment_password"] = ""
        ident["bank_code"] = ident["bank_name"] = ""
    if ident["role"] == "ra_officer":
        ident["ra_login"] = (
            f"ra{int.from_bytes(derived_digest(seed, 'ra_officer', 'login')[:4], 'big') % 10**6:06d}"
        )
        ident["ra_password"] = derived_secret(seed, "ra_officer", "ra")
    if spec.get("cert"):
        ident["cert_password"] = derived_secret(seed, ident["role"], "certificate", 10)


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None,
    params: dict[str, Any] | None,
) -> None:
    """Certificates the identities start with (`cert` of the account) and the signed letters of an
    incident paper (`signed_mails`: which of the three is bad, and how)."""
    from sandbox.scenarios.loader import render_value

    for ident, spec in zip(identities, accounts or [{} for _ in identities], strict=False):
        if ident["role"] == "ra_officer":
            from sandbox.pki import ra

            ra.add_officer(w, ident["ra_login"], ident["ra_password"], ident["name"])
        if spec.get("cert"):
            _certificate(w, ident, render_value(spec["cert"], params or {}))
        if spec.get("signed_mails"):
            _letters(w, ident, render_value(spec["signed_mails"], params or {}))


def _certificate(w: World, ident: dict[str, Any], spec: dict[str, Any]) -> None:
    """A certificate issued two months ago for a key from the pool, in the identity's store."""
    entry = w.db.scalars(select(StoreEntry).where(StoreEntry.owner == POOL).order_by(StoreEntry.id)).first()
    key = keys.unwrap(entry.key_blob, store.npc_password(w, POOL)) if entry is not None else keys.new_key()
    if entry is not None:
        w.db.delete(entry)
    kind = spec.get("kind", CertKind.PERSONAL) if isinstance(spec, dict) else CertKind.PERSONAL
    subject = authority.Subject(
        kind,
        ident["name"],
        ident["email"],
        org=ident.get("company_name", "") if kind == CertKind.ENTERPRISE else "",
        credit_code=ident.get("credit_code", "") if kind == CertKind.ENTERPRISE else "",
    )
    row = ca.issue(
        w, subject, key.public_key(), holder=ident["email"], not_before=w.now() - timedelta(days=60)
    )
    store.import_key(
        w, ident["email"], key, x509.load_der_x509_certificate(row.der), ident["cert_password"], "seed"
    )


def _letters(w: World, ident: dict[str, Any], spec: dict[str, Any]) -> None:
    """Three signed letters in the identity's inbox; letter `bad` has `problem`."""
    from sandbox.mail import secure

    bad, problem = int(spec["bad"]), str(spec["problem"])
    by_key = {p.key: p for p in PARTNERS}
    for number, (sender_key, subject, text) in enumerate(LETTERS, start=1):
        sender = by_key[PROBLEM_SENDER.get(problem, sender_key) if number == bad else sender_key]
        entry = store.signing_entries(w, sender.email)[0]
        signer = (store.unlock(entry, store.npc_password(w, sender.email)), store.certificate(entry))
        box = mail.mailbox_by_address(w, sender.email)
        with w.at(w.now() - timedelta(hours=4 - number)):
            secure.send(w, box, [ident["email"]], subject, text, signer=signer)  # type: ignore[arg-type]
        if number == bad and problem == "tampered":
            _tamper(w, ident["email"], subject)


def _tamper(w: World, address: str, subject: str) -> None:
    """Change the signed text of the letter in the inbox, as a man in the middle would (the amount)."""
    from sandbox.mail.models import Folder, Message

    box = mail.mailbox_by_address(w, address)
    msg = w.db.scalars(
        select(Message).where(
            Message.mailbox_id == box.id, Message.folder == Folder.INBOX, Message.subject == subject
        )
    ).one()
    match = re.search(r"base64\r\n(?:MIME-Version: 1\.0\r\n)?\r\n([A-Za-z0-9+/=\r\n]+?)\r\n\r\n", msg.raw)
    original = base64.b64decode(match.group(1))
    changed = original.replace("对公账户".encode(), "指定个人账户".encode()).replace(
        "已确认".encode(), "已取消".encode()
    )
    changed = changed.replace("今日发出".encode(), "暂缓发出".encode())
    msg.raw = msg.raw.replace(
        match.group(1), base64.encodebytes(changed).decode().strip().replace("\n", "\r\n"), 1
    )
