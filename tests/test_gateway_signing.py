"""RSA2 signing as the platform documents it: the signing string, sign/verify, key checks."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sandbox.errors import DomainError
from sandbox.gateway import api, signing
from tests.test_gateway_support import key_pair

PARAMS = {
    "app_id": "2026000001000001",
    "method": "alipay.trade.page.pay",
    "format": "JSON",
    "charset": "utf-8",
    "sign_type": "RSA2",
    "timestamp": "2026-03-15 09:30:00",
    "version": "1.0",
    "notify_url": "",
    "biz_content": '{"out_trade_no":"A1","total_amount":"88.00","subject":"水杯"}',
}


def test_signing_string_sorts_by_name_and_leaves_out_sign_and_empty_values() -> None:
    text = signing.signing_string({**PARAMS, "sign": "xyz"})
    assert text == (
        "app_id=2026000001000001"
        '&biz_content={"out_trade_no":"A1","total_amount":"88.00","subject":"水杯"}'
        "&charset=utf-8&format=JSON&method=alipay.trade.page.pay&sign_type=RSA2"
        "&timestamp=2026-03-15 09:30:00&version=1.0"
    )
    assert signing.signing_string({"b": "2", "a": "1", "B": "3"}) == "B=3&a=1&b=2"  # byte order


def test_sign_then_verify_known_vector() -> None:
    private_pem, public_pem = key_pair()
    signature = signing.sign(PARAMS, private_pem)
    assert signature == signing.sign(
        dict(reversed(PARAMS.items())), private_pem
    )  # PKCS#1 v1.5: deterministic
    assert len(base64.b64decode(signature)) == 256  # RSA-2048
    assert signing.verify({**PARAMS, "sign": signature}, public_pem)
    # An empty value does not take part, so adding or dropping one changes nothing.
    assert signing.verify({**PARAMS, "return_url": "", "sign": signature}, public_pem)
    assert signing.verify({k: v for k, v in PARAMS.items() if v} | {"sign": signature}, public_pem)


@pytest.mark.parametrize(
    "change",
    [
        {"biz_content": PARAMS["biz_content"].replace("88.00", "0.01")},
        {"app_id": "2026000001000002"},
        {"extra": "1"},
        {"notify_url": "https://evil.example/notify"},
        {"sign_type": "RSA"},
    ],
)
def test_any_change_breaks_the_signature(change: dict) -> None:
    private_pem, public_pem = key_pair()
    signed = {**PARAMS, "sign": signing.sign(PARAMS, private_pem)}
    assert not signing.verify({**signed, **change}, public_pem)


@pytest.mark.parametrize(
    "sign", ["", "not base64!!", base64.b64encode(b"x" * 256).decode(), "A" * 5000, None, 12]
)
def test_verify_never_raises(sign: object) -> None:
    _, public_pem = key_pair()
    assert signing.verify({**PARAMS, "sign": sign}, public_pem) is False
    assert signing.verify({**PARAMS, "sign": "abc"}, "not a key") is False
    assert signing.verify({**PARAMS, "sign": "abc"}, "") is False


def test_another_key_does_not_verify() -> None:
    private_pem, _ = key_pair()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    signed = {**PARAMS, "sign": signing.sign(PARAMS, private_pem)}
    assert not signing.verify(signed, signing.public_pem_of(other))


def test_generate_key_pair_is_pkcs8_and_spki() -> None:
    private_pem, public_pem = signing.generate_key_pair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert signing.load_private_key(private_pem).key_size == 2048
    assert signing.load_public_key(public_pem).key_size == 2048


def test_a_bare_base64_key_is_accepted() -> None:
    _, public_pem = key_pair()
    body = "".join(line for line in public_pem.splitlines() if "-----" not in line)
    assert signing.load_public_key(body).key_size == 2048


def _small_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return signing.public_pem_of(key.public_key())


def _ec_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        ("", "请填写公钥"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "公钥格式不正确"),
        ("hello world", "公钥格式不正确"),
        ("x" * 20_000, "密钥内容过长"),
        ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "这是私钥"),
        ("-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----", "这是证书"),
        (None, "请填写公钥"),
    ],
)
def test_malformed_public_keys_are_refused_with_a_message(pem: str | None, message: str) -> None:
    with pytest.raises(DomainError) as exc:
        signing.load_public_key(pem)  # type: ignore[arg-type]
    assert message in str(exc.value)


def test_small_and_non_rsa_public_keys_are_refused() -> None:
    with pytest.raises(DomainError, match="至少需要 2048 位"):
        signing.load_public_key(_small_key_pem())
    with pytest.raises(DomainError, match="必须是 RSA 公钥"):
        signing.load_public_key(_ec_key_pem())


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----",
        "garbage",
    ],
)
def test_malformed_private_keys_are_refused(pem: str) -> None:
    with pytest.raises(DomainError):
        signing.load_private_key(pem)


def test_an_encrypted_private_key_is_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ).decode()
    with pytest.raises(DomainError, match="不能加密码"):
        signing.load_private_key(pem)


def test_answer_bodies_sign_the_response_objects_text() -> None:
    private_pem, public_pem = key_pair()
    answer = {"code": "10000", "msg": "Success", "trade_status": "TRADE_SUCCESS", "subject": "水杯"}
    text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    body = (
        '{"alipay_trade_query_response":' + text + ',"sign":"' + signing.sign_text(text, private_pem) + '"}'
    )
    assert api.verify_body(body, "alipay_trade_query_response", public_pem) == answer
    tampered = body.replace("TRADE_SUCCESS", "TRADE_FINISHED")
    assert api.verify_body(tampered, "alipay_trade_query_response", public_pem) is None
    assert api.verify_body("not json", "alipay_trade_query_response", public_pem) is None
