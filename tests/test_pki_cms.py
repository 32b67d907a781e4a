"""S/MIME crypto (sandbox.pki.cms) against a tiny PKI built here: every verdict, envelopes, and mail round trips."""

from __future__ import annotations

import base64
import email
import email.policy
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sandbox.pki import cms

MOMENT = datetime(2026, 6, 1, 9, 0)  # the world clock: naive UTC
BODY = "您好，订单 20260601-0042 的发票已开具，金额 ¥1,280.00。请查收附件。\n"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "沙箱电子认证"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _cert(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    serial: int,
    *,
    ca: bool = False,
    email_address: str | None = None,
    signing: bool = True,
    not_before: datetime = datetime(2026, 1, 1),
    not_after: datetime = datetime(2027, 1, 1),
    authority: rsa.RSAPublicKey | None = None,
    crl_url: str | None = None,
) -> x509.Certificate:
    """A certificate: a CA (keyCertSign, cRLSign) or an end entity with an email SAN.

    `authority` overrides the key named by the authority key identifier (to forge a certificate);
    `crl_url` adds a cRLDistributionPoints extension."""
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority or issuer_key.public_key()),
            critical=False,
        )
    )
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    usage = dict.fromkeys(
        [
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ],
        False,
    )
    if ca:
        usage.update(key_cert_sign=True, crl_sign=True)
    elif signing:
        usage.update(digital_signature=True, content_commitment=True)
    else:
        usage.update(key_encipherment=True)
    builder = builder.add_extension(x509.KeyUsage(**usage), critical=True)
    if email_address:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email_address)]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    root: x509.Certificate
    ca: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    alice_key: rsa.RSAPrivateKey
    alice: x509.Certificate  # signing certificate, serial 1001
    revoked: x509.Certificate  # same key, serial 1002, revoked for key compromise
    held: x509.Certificate  # same key, serial 1003, on hold (suspended)
    no_signing: x509.Certificate  # same key, serial 1004, keyEncipherment only
    bob_key: rsa.RSAPrivateKey
    bob: x509.Certificate  # encryption certificate
    rogue_key: rsa.RSAPrivateKey
    rogue_root: x509.Certificate
    crl: bytes  # from the issuing CA, fresh at MOMENT

    def trust(self, entity: bytes, *, moment: datetime = MOMENT, crls: list[bytes] | None = None, **kw):  # noqa: ANN003, ANN201
        """Verify with this PKI's root, issuing CA and CRL (overridable)."""
        options = {
            "trust_roots": [self.root],
            "intermediates": [self.ca],
            "crls": [self.crl],
            "moment": moment,
        }
        if crls is not None:
            options["crls"] = crls
        options.update(kw)
        return cms.verify(entity, **options)


def _crl(
    issuer: x509.Certificate, key: rsa.RSAPrivateKey, entries: dict[int, x509.ReasonFlags], this: datetime
) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(this)
        .next_update(this + timedelta(days=7))
        .add_extension(x509.CRLNumber(7), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
    )
    for serial, reason in entries.items():
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(this - timedelta(days=1))
            .add_extension(x509.CRLReason(reason), critical=False)
            .build()
        )
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def pki() -> Pki:
    root_key, ca_key, alice_key, bob_key, rogue_key = (_key() for _ in range(5))
    root_name, ca_name = _name("沙箱根 CA"), _name("沙箱电子邮件 CA")
    long_ago, far = datetime(2020, 1, 1), datetime(2040, 1, 1)
    root = _cert(root_name, root_key, root_name, root_key, 1, ca=True, not_before=long_ago, not_after=far)
    ca = _cert(ca_name, ca_key, root_name, root_key, 2, ca=True, not_before=long_ago, not_after=far)
    alice_name = _name("alice@shop.example")

    def alice(serial: int, signing: bool = True) -> x509.Certificate:
        return _cert(
            alice_name,
            alice_key,
            ca_name,
            ca_key,
            serial,
            email_address="alice@shop.example",
            signing=signing,
        )

    rogue_name = _name("沙箱根 CA (冒充)")
    crl = _crl(
        ca,
        ca_key,
        {1002: x509.ReasonFlags.key_compromise, 1003: x509.ReasonFlags.certificate_hold},
        MOMENT - timedelta(days=1),
    )
    return Pki(
        root=root,
        ca=ca,
        ca_key=ca_key,
        alice_key=alice_key,
        alice=alice(1001),
        revoked=alice(1002),
        held=alice(1003),
        no_signing=alice(1004, signing=False),
        bob_key=bob_key,
        bob=_cert(
            _name("bob@buyer.example"),
            bob_key,
            ca_name,
            ca_key,
            2001,
            email_address="bob@buyer.example",
            signing=False,
        ),
        rogue_key=rogue_key,
        rogue_root=_cert(
            rogue_name, rogue_key, rogue_name, rogue_key, 9, ca=True, not_before=long_ago, not_after=far
        ),
        crl=crl,
    )


def text_entity(body: str = BODY) -> bytes:
    msg = EmailMessage()
    msg.set_content(body)
    return msg.as_bytes()


def mixed_entity() -> bytes:
    msg = EmailMessage()
    msg.set_content(BODY)
    msg.add_attachment(
        b"%PDF-1.4\n" + bytes(range(256)) * 8,
        maintype="application",
        subtype="pdf",
        filename="发票-20260601-0042.pdf",
    )
    msg.add_attachment("商品编号,数量\nA-1,2\n", subtype="csv", filename="清单.csv")
    return msg.as_bytes()


def eight_bit_entity() -> bytes:
    msg = EmailMessage()
    msg.set_content("您好：\n发票已开具。\n", cte="8bit")
    return msg.as_bytes()


def signed(pki: Pki, entity: bytes | None = None, cert: x509.Certificate | None = None) -> bytes:
    return cms.sign(
        entity if entity is not None else text_entity(), pki.alice_key, cert or pki.alice, [pki.ca]
    )


# --- valid, and robust to transport -------------------------------------------------------------------


def test_valid_signature_gives_back_the_entity(pki: Pki) -> None:
    entity = text_entity()
    out = signed(pki, entity)
    assert cms.is_signed(out) and not cms.is_encrypted(out)
    head = out.split(b"\r\n\r\n", 1)[0]
    assert b"multipart/signed" in head and b'protocol="application/pkcs7-signature"' in head
    assert b"micalg=sha-256" in head
    verdict, content = pki.trust(out)
    assert verdict == cms.Verdict(cms.VALID, pki.alice)
    assert content == entity.replace(b"\n", b"\r\n")
    assert email.message_from_bytes(content, policy=email.policy.default).get_content() == BODY


def test_multipart_entity_with_attachments_verifies(pki: Pki) -> None:
    entity = mixed_entity()
    verdict, content = pki.trust(signed(pki, entity))
    assert verdict.code == cms.VALID
    inner = email.message_from_bytes(content, policy=email.policy.default)
    names = [part.get_filename() for part in inner.iter_attachments()]
    assert names == ["发票-20260601-0042.pdf", "清单.csv"]


def test_lf_line_ends_still_valid(pki: Pki) -> None:
    out = signed(pki, mixed_entity())
    verdict, _ = pki.trust(out.replace(b"\r\n", b"\n"))
    assert verdict.code == cms.VALID
    lf_signed = signed(
        pki, text_entity().replace(b"\r\n", b"\n")
    )  # entity given with LF, transported with LF
    assert pki.trust(lf_signed.replace(b"\r\n", b"\n"))[0].code == cms.VALID


@pytest.mark.parametrize("make", [text_entity, mixed_entity, eight_bit_entity])
def test_embedded_in_a_full_message_still_valid(pki: Pki, make) -> None:  # noqa: ANN001
    entity = make()
    out = signed(pki, entity)
    full = b"From: alice@shop.example\r\nTo: bob@buyer.example\r\nSubject: =?utf-8?b?5Y+R56Wo?=\r\n" + out
    parsed = email.message_from_bytes(full, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/signed"
    again = parsed.as_bytes()
    assert cms.is_signed(again)
    verdict, content = pki.trust(again)
    assert verdict.code == cms.VALID, verdict
    assert content == entity.replace(b"\n", b"\r\n")
    signed_part = parsed.get_payload()[0].as_bytes()  # what a mail reader gets by walking the parts
    assert signed_part.replace(b"\r\n", b"\n") == entity.replace(b"\r\n", b"\n")


# --- tampered ----------------------------------------------------------------------------------------


def test_changed_body_is_tampered(pki: Pki) -> None:
    out = signed(pki)
    entity = text_entity()
    assert entity.replace(b"\n", b"\r\n") in out
    changed = out.replace(
        entity.replace(b"\n", b"\r\n"), entity.replace(b"\n", b"\r\n").replace(b"5Y", b"5Z", 1)
    )
    assert changed != out
    verdict, _ = pki.trust(changed)
    assert verdict.code == cms.TAMPERED and verdict.signer == pki.alice


def test_changed_header_of_signed_part_is_tampered(pki: Pki) -> None:
    out = signed(pki)
    verdict, _ = pki.trust(out.replace(b"Content-Type: text/plain", b"Content-Type: text/html", 1))
    assert verdict.code == cms.TAMPERED


def _resign(out: bytes, mutate) -> bytes:  # noqa: ANN001
    """The entity with its signature part's CMS structure changed by `mutate` (asn1crypto)."""
    head, sig_b64 = out.rsplit(b"\r\n\r\n", 1)
    b64, tail = sig_b64.split(b"\r\n--", 1)
    info = asn1_cms.ContentInfo.load(base64.b64decode(b64))
    mutate(info)
    return (
        head + b"\r\n\r\n" + base64.encodebytes(info.dump(force=True)).replace(b"\n", b"\r\n") + b"--" + tail
    )


def test_bad_signature_value_is_tampered(pki: Pki) -> None:
    def flip(info: asn1_cms.ContentInfo) -> None:
        signer_info = info["content"]["signer_infos"][0]
        value = bytearray(signer_info["signature"].native)
        value[10] ^= 0x01
        signer_info["signature"] = bytes(value)

    verdict, _ = pki.trust(_resign(signed(pki), flip))
    assert verdict.code == cms.TAMPERED


def test_signature_by_another_key_is_tampered(pki: Pki) -> None:
    def forge(info: asn1_cms.ContentInfo) -> None:
        signer_info = info["content"]["signer_infos"][0]
        attrs = signer_info["signed_attrs"].untag().dump()
        signer_info["signature"] = pki.rogue_key.sign(attrs, padding.PKCS1v15(), hashes.SHA256())

    verdict, _ = pki.trust(_resign(signed(pki), forge))
    assert verdict.code == cms.TAMPERED and verdict.signer == pki.alice


def test_sign_refuses_a_key_that_is_not_the_certificates(pki: Pki) -> None:
    with pytest.raises(cms.CmsError):
        cms.sign(text_entity(), pki.rogue_key, pki.alice, [pki.ca])


# --- untrusted -----------------------------------------------------------------------------------------


def test_signer_from_another_root_is_untrusted(pki: Pki) -> None:
    stranger = _cert(
        _name("mallory@evil.example"),
        pki.alice_key,
        pki.rogue_root.subject,
        pki.rogue_key,
        77,
        email_address="mallory@evil.example",
    )
    out = cms.sign(text_entity(), pki.alice_key, stranger, [pki.rogue_root])
    verdict, _ = pki.trust(out)
    assert verdict.code == cms.UNTRUSTED and verdict.signer == stranger


def test_self_signed_signer_is_untrusted(pki: Pki) -> None:
    name = _name("alice@shop.example")
    self_signed = _cert(name, pki.alice_key, name, pki.alice_key, 5, email_address="alice@shop.example")
    verdict, _ = pki.trust(cms.sign(text_entity(), pki.alice_key, self_signed, []))
    assert verdict.code == cms.UNTRUSTED


def test_forged_issuing_ca_certificate_is_untrusted(pki: Pki) -> None:
    # The issuing CA's subject and key, naming the root as issuer (name and key id), signed by another key.
    forged = _cert(
        pki.ca.subject,
        pki.ca_key,
        pki.root.subject,
        pki.rogue_key,
        2,
        ca=True,
        not_before=datetime(2020, 1, 1),
        not_after=datetime(2040, 1, 1),
        authority=pki.root.public_key(),
    )
    out = cms.sign(text_entity(), pki.alice_key, pki.alice, [])
    verdict, _ = pki.trust(out, intermediates=[forged])
    assert verdict.code == cms.UNTRUSTED and "signature" in verdict.detail


def test_revocation_with_a_crl_distribution_point(pki: Pki) -> None:
    def alice(serial: int) -> x509.Certificate:
        return _cert(
            pki.alice.subject,
            pki.alice_key,
            pki.ca.subject,
            pki.ca_key,
            serial,
            email_address="alice@shop.example",
            crl_url="http://crl.sandbox.example/email-ca.crl",
        )

    revoked, fine = signed(pki, cert=alice(1002)), signed(pki, cert=alice(1001))
    assert pki.trust(revoked)[0].revocation_reason == "key_compromise"
    assert pki.trust(fine)[0].code == cms.VALID
    assert pki.trust(revoked, crls=[])[0].code == cms.VALID  # nothing fetched: no CRL, no revocation check


def test_no_trust_roots_is_untrusted(pki: Pki) -> None:
    assert pki.trust(signed(pki), trust_roots=[])[0].code == cms.UNTRUSTED


def test_signer_without_signing_key_usage_is_untrusted(pki: Pki) -> None:
    verdict, _ = pki.trust(signed(pki, cert=pki.no_signing))
    assert verdict.code == cms.UNTRUSTED and "key usage" in verdict.detail


def test_stale_crl_leaves_revocation_unknown(pki: Pki) -> None:
    old = _crl(pki.ca, pki.ca_key, {}, MOMENT - timedelta(days=30))  # next_update long past
    verdict, _ = pki.trust(signed(pki), crls=[old])
    assert verdict.code == cms.UNTRUSTED and "revocation" in verdict.detail


# --- expired -------------------------------------------------------------------------------------------


def test_after_not_after_is_expired(pki: Pki) -> None:
    verdict, _ = pki.trust(signed(pki), moment=datetime(2027, 2, 1))
    assert verdict.code == cms.EXPIRED and verdict.signer == pki.alice


def test_before_not_before_is_expired(pki: Pki) -> None:
    verdict, _ = pki.trust(signed(pki), moment=datetime(2025, 12, 1))
    assert verdict.code == cms.EXPIRED


def test_expired_and_untrusted_is_untrusted(pki: Pki) -> None:
    verdict, _ = pki.trust(signed(pki), moment=datetime(2027, 2, 1), trust_roots=[pki.rogue_root])
    assert verdict.code == cms.UNTRUSTED


def test_expired_and_revoked_is_expired(pki: Pki) -> None:
    verdict, _ = pki.trust(signed(pki, cert=pki.revoked), moment=datetime(2027, 2, 1))
    assert verdict.code == cms.EXPIRED


# --- revoked -------------------------------------------------------------------------------------------


def test_revoked_for_key_compromise(pki: Pki) -> None:
    verdict, _ = pki.trust(signed(pki, cert=pki.revoked))
    assert verdict.code == cms.REVOKED and verdict.revocation_reason == "key_compromise"
    assert verdict.signer == pki.revoked and "key_compromise" in verdict.detail


def test_suspended_certificate_is_revoked_on_hold(pki: Pki) -> None:
    verdict, _ = pki.trust(signed(pki, cert=pki.held))
    assert verdict.code == cms.REVOKED and verdict.revocation_reason == "certificate_hold"


def test_no_crls_means_no_revocation_check(pki: Pki) -> None:
    assert pki.trust(signed(pki, cert=pki.revoked), crls=[])[0].code == cms.VALID


def test_crl_of_another_issuer_does_not_count(pki: Pki) -> None:
    foreign = _crl(
        pki.rogue_root, pki.rogue_key, {1001: x509.ReasonFlags.key_compromise}, MOMENT - timedelta(days=1)
    )
    verdict, _ = pki.trust(signed(pki), crls=[foreign, pki.crl])
    assert verdict.code == cms.VALID


# --- malformed -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"\x00\xff garbage \x89PNG",
        b"Content-Type: text/plain\r\n\r\nhello\r\n",
        b'Content-Type: multipart/signed; boundary="b"\r\n\r\nno parts at all\r\n',
    ],
)
def test_garbage_is_malformed(pki: Pki, junk: bytes) -> None:
    verdict, _ = pki.trust(junk)
    assert verdict.code == cms.MALFORMED and verdict.signer is None


def test_signed_without_signature_part_is_malformed(pki: Pki) -> None:
    out = signed(pki)
    boundary = out.split(b'boundary="', 1)[1].split(b'"', 1)[0]
    delimiter = b"\r\n--" + boundary + b"\r\n"
    head, first, _signature = out.split(delimiter)
    stripped = head + delimiter + first + b"\r\n--" + boundary + b"--\r\n"
    verdict, content = pki.trust(stripped)
    assert verdict.code == cms.MALFORMED and "signature" in verdict.detail
    assert content == text_entity().replace(b"\n", b"\r\n")


def test_signature_part_with_garbage_is_malformed(pki: Pki) -> None:
    out = signed(pki)
    head, sig_b64 = out.rsplit(b"\r\n\r\n", 1)
    verdict, _ = pki.trust(
        head + b"\r\n\r\nbm90IGEgc2lnbmF0dXJl\r\n" + b"--" + sig_b64.split(b"\r\n--", 1)[1]
    )
    assert verdict.code == cms.MALFORMED


def test_signer_certificate_left_out_is_malformed(pki: Pki) -> None:
    def drop_certs(info: asn1_cms.ContentInfo) -> None:
        info["content"]["certificates"] = []

    verdict, _ = pki.trust(_resign(signed(pki), drop_certs))
    assert verdict.code == cms.MALFORMED and "certificate" in verdict.detail


# --- envelopes -----------------------------------------------------------------------------------------


def test_encrypt_decrypt_round_trip_4k(pki: Pki) -> None:
    body = BODY * 50
    assert len(body.encode()) > 4096
    entity = text_entity(body)
    out = cms.encrypt(entity, [pki.bob])
    assert cms.is_encrypted(out) and not cms.is_signed(out)
    assert b"smime-type=enveloped-data" in out and "订单".encode() not in out
    inner = cms.decrypt(out, pki.bob_key, pki.bob)
    assert inner == entity.replace(b"\n", b"\r\n")
    assert email.message_from_bytes(inner, policy=email.policy.default).get_content() == body


def test_decrypt_with_the_wrong_key_fails(pki: Pki) -> None:
    out = cms.encrypt(text_entity(), [pki.bob])
    with pytest.raises(cms.CmsError):
        cms.decrypt(out, pki.alice_key, pki.alice)  # not a recipient
    with pytest.raises(cms.CmsError):
        cms.decrypt(out, pki.rogue_key, pki.bob)  # the recipient's certificate but not its key
    with pytest.raises(cms.CmsError):
        cms.decrypt(text_entity(), pki.bob_key, pki.bob)  # not enveloped at all


def test_recipients_of_lists_every_recipient(pki: Pki) -> None:
    out = cms.encrypt(text_entity(), [pki.bob, pki.alice])
    assert sorted(cms.recipients_of(out), key=lambda r: r[1]) == [
        (pki.ca.subject, 1001),
        (pki.ca.subject, 2001),
    ]
    assert cms.decrypt(out, pki.alice_key, pki.alice) == cms.decrypt(out, pki.bob_key, pki.bob)


def test_sign_then_encrypt_then_decrypt_then_verify(pki: Pki) -> None:
    entity = mixed_entity()
    out = cms.encrypt(signed(pki, entity), [pki.bob])
    full = b"From: alice@shop.example\r\nTo: bob@buyer.example\r\nSubject: invoice\r\n" + out
    again = email.message_from_bytes(full, policy=email.policy.default).as_bytes()
    assert cms.is_encrypted(again)
    inner = cms.decrypt(again, pki.bob_key, pki.bob)
    assert cms.is_signed(inner)
    verdict, content = pki.trust(inner)
    assert verdict.code == cms.VALID
    assert content == entity.replace(b"\n", b"\r\n")
