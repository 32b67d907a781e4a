"""Secure mail: signed and encrypted messages between identities with certificates, and every verdict a
reader can be told."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from cryptography import x509

from sandbox.errors import DomainError
from sandbox.mail import secure
from sandbox.mail import services as mail
from sandbox.mail.models import Folder, Message
from sandbox.pki import authority, ca, keys, store
from sandbox.pki.models import CertKind
from sandbox.worlds.world import World
from seed_data.pki_seed import PARTNERS

WANG, ZHAO = PARTNERS[0], PARTNERS[1]
BY_PROBLEM = {p.problem: p for p in PARTNERS if p.problem}
ME = "me.123456@mail.sim"
PASSWORD = "me-pass-1"


@pytest.fixture
def me(w: World) -> x509.Certificate:
    """A candidate-like identity with a mailbox and a certificate (signing and encryption) in its store."""
    mail.open_mailbox(w, ME, "李明", owner="buyer")
    key = keys.new_key()
    row = ca.issue(w, authority.Subject(CertKind.PERSONAL, "李明", ME), key.public_key(), holder=ME)
    cert = x509.load_der_x509_certificate(row.der)
    store.import_key(w, ME, key, cert, PASSWORD, "p12")
    return cert


def _inbox(w: World, address: str) -> Message:
    box = mail.mailbox_by_address(w, address)
    return mail.folder(w, box, Folder.INBOX)[0]


def _send_as_partner(w: World, partner, to: str, text: str = "合同已盖章，请查收。") -> Message:  # noqa: ANN001
    box = mail.mailbox_by_address(w, partner.email)
    secure.send(w, box, [to], "合同", text, sign=True, password=store.npc_password(w, partner.email))
    return _inbox(w, to)


def test_a_signed_mail_is_valid_and_names_its_signer(w: World, me: x509.Certificate) -> None:
    msg = _send_as_partner(w, WANG, ME)
    security, entity = secure.inspect(w, msg)
    assert security.signed and not security.encrypted
    assert security.outcome == "valid" and security.signer_email == WANG.email
    assert "合同已盖章" in secure.shown(entity)[0]
    event = w.events("mail.sent")[-1].payload
    assert event["signed"] is True and event["signer_serial"]


def test_a_changed_body_makes_the_signature_invalid(w: World, me: x509.Certificate) -> None:
    msg = _send_as_partner(w, WANG, ME, "请付款 1000 元。")
    raw = msg.raw
    body_b64 = re.search(r"base64\r\n(?:MIME-Version: 1.0\r\n)?\r\n([A-Za-z0-9+/=]+)\r\n", raw).group(1)
    changed = base64.b64encode("请付款 9000 元。\n".encode()).decode()
    msg.raw = raw.replace(body_b64, changed, 1)
    assert secure.inspect(w, msg)[0].outcome == "tampered"


@pytest.mark.parametrize(
    ("problem", "outcome"), [("revoked", "revoked"), ("expired", "expired"), ("untrusted", "untrusted")]
)
def test_signers_with_bad_certificates_are_shown_as_such(w: World, me, problem: str, outcome: str) -> None:  # noqa: ANN001
    partner = BY_PROBLEM[problem]
    box = mail.mailbox_by_address(w, partner.email)
    with pytest.raises(DomainError):  # the sandbox's mail client refuses to sign with such a certificate
        secure.send(w, box, [ME], "通知", "x", sign=True, password=store.npc_password(w, partner.email))
    entry = store.signing_entries(w, partner.email)[0]
    signer = (store.unlock(entry, store.npc_password(w, partner.email)), store.certificate(entry))
    secure.send(w, box, [ME], "通知", "请查收附件。", signer=signer)  # the partner's own software does not
    assert secure.inspect(w, _inbox(w, ME))[0].outcome == outcome


def test_revoking_after_sending_turns_the_verdict(w: World, me: x509.Certificate) -> None:
    msg = _send_as_partner(w, WANG, ME)
    record = ca.directory(w, WANG.email)[0]
    ca.suspend(w, record, "test")
    assert secure.inspect(w, msg)[0].outcome == "suspended"
    ca.resume(w, record, "test")
    assert secure.inspect(w, msg)[0].outcome == "valid"
    ca.revoke(w, record, "key_compromise", "test")
    assert secure.inspect(w, msg)[0].outcome == "revoked"


def test_an_expired_signer_shows_expired_later(w: World, me: x509.Certificate) -> None:
    msg = _send_as_partner(w, WANG, ME)
    with w.at(w.now() + timedelta(days=400)):
        assert secure.inspect(w, msg)[0].outcome == "expired"


def test_encrypted_mail_opens_only_with_the_recipients_key(w: World, me: x509.Certificate) -> None:
    box = mail.mailbox_by_address(w, ME)
    secure.send(
        w, box, [WANG.email], "报价", "机密报价：每件 88 元" * 200, encrypt=True, sign=True, password=PASSWORD
    )
    theirs = _inbox(w, WANG.email)
    plain = base64.b64encode(("机密报价：每件 88 元" * 3).encode()).decode()[:40]
    assert plain not in theirs.raw and "机密" not in theirs.raw
    security, entity = secure.inspect(w, theirs)
    assert security.encrypted and entity is None
    entries = secure.recipient_entries(w, WANG.email, theirs)
    assert len(entries) == 1
    with pytest.raises(DomainError):
        secure.decrypt(w, WANG.email, theirs, entries[0].id, "wrong-password")
    inner = secure.decrypt(w, WANG.email, theirs, entries[0].id, store.npc_password(w, WANG.email))
    security, entity = secure.inspect(w, theirs, inner)
    assert security.decrypted and security.outcome == "valid" and security.signer_email == ME
    assert "机密报价" in secure.shown(entity)[0]
    # Someone else's key cannot open it; the sender's own copy opens with the sender's key.
    zhao_entry = store.signing_entries(w, ZHAO.email)[0]
    with pytest.raises(DomainError):
        secure.decrypt(w, ZHAO.email, theirs, zhao_entry.id, store.npc_password(w, ZHAO.email))
    sent = mail.folder(w, box, Folder.SENT)[0]
    mine = secure.recipient_entries(w, ME, sent)[0]
    assert "机密报价" in secure.shown(secure.decrypt(w, ME, sent, mine.id, PASSWORD))[0]


def test_refusals_change_nothing(w: World, me: x509.Certificate) -> None:
    box = mail.mailbox_by_address(w, ME)
    before = len(w.events("mail.sent"))
    with pytest.raises(DomainError, match="证书密码错误"):
        secure.send(w, box, [WANG.email], "x", "x", sign=True, password="nope-nope")
    mail.open_mailbox(w, "nocert@mail.sim", "无证书")
    with pytest.raises(DomainError, match="加密证书"):
        secure.send(w, box, ["nocert@mail.sim"], "x", "x", encrypt=True)
    other = mail.open_mailbox(w, "other@mail.sim", "别人")
    with pytest.raises(DomainError, match="签名证书"):
        secure.send(w, other, [ME], "x", "x", sign=True, password=PASSWORD)
    ca.revoke(w, ca.directory(w, ME)[0], "key_compromise", "test")
    with pytest.raises(DomainError, match="吊销"):
        secure.send(w, box, [WANG.email], "x", "x", sign=True, password=PASSWORD)
    assert len(w.events("mail.sent")) == before


def test_a_suspended_certificate_cannot_sign_until_resumed(w: World, me: x509.Certificate) -> None:
    box = mail.mailbox_by_address(w, ME)
    record = ca.known(w, me)
    ca.suspend(w, record, ME)
    with pytest.raises(DomainError, match="挂起"):
        secure.send(w, box, [WANG.email], "x", "x", sign=True, password=PASSWORD)
    ca.resume(w, record, ME)
    secure.send(w, box, [WANG.email], "x", "签名恢复", sign=True, password=PASSWORD)
    assert secure.inspect(w, _inbox(w, WANG.email))[0].outcome == "valid"


def test_the_mailbox_list_marks_signed_and_encrypted_mail(w: World, me: x509.Certificate) -> None:
    box = mail.mailbox_by_address(w, ME)
    secure.send(w, box, [WANG.email], "签名", "x", sign=True, password=PASSWORD)
    secure.send(w, box, [WANG.email], "加密", "x", encrypt=True)
    mail.send(w, box, [WANG.email], "普通", "x")
    marks = {
        m.subject: secure.mark(m)
        for m in mail.folder(w, mail.mailbox_by_address(w, WANG.email), Folder.INBOX)
    }
    assert marks == {"签名": "signed", "加密": "encrypted", "普通": ""}
