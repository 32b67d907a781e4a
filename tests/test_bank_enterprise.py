"""Enterprise online banking: the operator (经办) prepares, the approver (复核) releases with their own
transaction password; roles are enforced, nothing moves before release, another company's payments
are out of reach; one login function serves every channel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.bank import auth
from sandbox.bank.models import EnterprisePayment
from sandbox.errors import DomainError
from tests import test_bank_accounts as bank_tests

bank_world = bank_tests.bank_world  # the fixture: a candidate in a world of the bank's roles

TEAM = [
    {"role": "operator", "bank": "ABC", "bank_balance_fen": 5000000},
    {"role": "approver"},
    {"role": "payee", "bank": "BOC"},
]


def corp_login(bw, role: str) -> None:  # noqa: ANN001
    """Log in to enterprise online banking as the operator or the approver identity."""
    ident = bw.ident(role)
    resp = bw.client.post(
        "/bank/corp/login", data={"login": ident["corp_login"], "password": ident["login_password"]}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)


def prepare(bw, amount: str = "20000.00", **changes: str):  # noqa: ANN001, ANN201
    payee = bw.ident("payee")
    form = {
        "payee_name": payee["name"],
        "payee_account_no": payee["account_no"],
        "payee_bank": payee["bank_code"],
        "amount": amount,
        "memo": "采购款",
        **changes,
    }
    return bw.client.post("/bank/corp/payments/new", data=form)


def payments(bw) -> list[EnterprisePayment]:  # noqa: ANN001
    w = bw.world()
    try:
        rows = list(w.db.scalars(select(EnterprisePayment).order_by(EnterprisePayment.id)))
        for p in rows:
            _ = p.transfer.number if p.transfer else None
        return rows
    finally:
        w.close()


def test_operator_prepares_and_approver_releases(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    company = bw.ident("operator")["account_no"]
    corp_login(bw, "operator")
    assert bw.ident("operator")["company_name"] in bw.client.get("/bank/corp/").get_data(as_text=True)
    resp = prepare(bw)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (p,) = payments(bw)
    assert p.status == "pending" and bw.balance(company) == 5000000  # nothing moves yet
    # the operator cannot release it
    resp = bw.client.post(
        f"/bank/corp/payments/{p.number}/approve",
        data={"tx_password": bw.ident("operator")["payment_password"]},
    )
    assert resp.status_code == 403 and "只有复核员可以审批付款" in resp.get_data(as_text=True)
    bw.client.post("/bank/corp/logout")
    corp_login(bw, "approver")
    page = bw.client.get(f"/bank/corp/payments/{p.number}").get_data(as_text=True)
    assert "复核通过并放行" in page
    # the approver cannot prepare
    assert prepare(bw).status_code == 403
    approver = bw.ident("approver")
    wrong = "000000" if approver["payment_password"] != "000000" else "111111"
    resp = bw.client.post(f"/bank/corp/payments/{p.number}/approve", data={"tx_password": wrong})
    assert resp.status_code == 401 and "还可以尝试 4 次" in resp.get_data(as_text=True)
    assert payments(bw)[0].status == "pending" and bw.balance(company) == 5000000
    resp = bw.client.post(
        f"/bank/corp/payments/{p.number}/approve", data={"tx_password": approver["payment_password"]}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (p,) = payments(bw)
    assert p.status == "released" and p.transfer is not None and p.transfer.cross_bank
    assert bw.balance(company) == 5000000 - 2000000 - 1500
    # releasing twice is a conflict
    resp = bw.client.post(
        f"/bank/corp/payments/{p.number}/approve", data={"tx_password": approver["payment_password"]}
    )
    assert resp.status_code == 409
    bw.advance(31)
    bw.touch()
    assert bw.balance(bw.ident("payee")["account_no"]) == 2000000
    w = bw.world()
    names = [e.name for e in w.events() if e.name.startswith("bank.payment")]
    w.close()
    assert names == ["bank.payment_prepared", "bank.payment_approved"]
    statement = bw.client.get("/bank/corp/statement?type=fee").get_data(as_text=True)
    assert statement.count('data-kind="fee"') == 1
    csv = bw.client.get("/bank/corp/statement.csv")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")


def test_approver_rejects_with_a_reason(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    corp_login(bw, "operator")
    prepare(bw, "100.00")
    (p,) = payments(bw)
    bw.client.post("/bank/corp/logout")
    corp_login(bw, "approver")
    assert bw.client.post(f"/bank/corp/payments/{p.number}/reject", data={"reason": " "}).status_code == 400
    assert (
        bw.client.post(f"/bank/corp/payments/{p.number}/reject", data={"reason": "用途不明"}).status_code
        == 302
    )
    (p,) = payments(bw)
    assert (p.status, p.reason, p.transfer) == ("rejected", "用途不明", None)
    assert bw.balance(bw.ident("operator")["account_no"]) == 5000000


@pytest.mark.parametrize(
    ("amount", "changes", "status"),
    [
        ("0", {}, 400),
        ("-5", {}, 400),
        ("1.234", {}, 400),
        ("5000000.01", {}, 400),
        ("100.00", {"payee_account_no": "12"}, 400),
        ("100.00", {"payee_bank": ""}, 400),
        ("100.00", {"memo": "长" * 31}, 400),
    ],
)
def test_bad_payments_are_refused(bank_world, amount: str, changes: dict, status: int) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    corp_login(bw, "operator")
    assert prepare(bw, amount, **changes).status_code == status
    assert payments(bw) == []


def test_a_payment_to_the_company_itself_is_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    corp_login(bw, "operator")
    op = bw.ident("operator")
    resp = prepare(
        bw, "10.00", payee_account_no=op["account_no"], payee_name=op["company_name"], payee_bank="ABC"
    )
    assert resp.status_code == 400 and "不能向本账户转账" in resp.get_data(as_text=True)


def test_release_fails_cleanly_when_the_money_is_not_there(bank_world) -> None:  # noqa: ANN001
    bw = bank_world([{**TEAM[0], "bank_balance_fen": 1000}, TEAM[1], TEAM[2]])
    corp_login(bw, "operator")
    prepare(bw, "100.00")
    (p,) = payments(bw)
    bw.client.post("/bank/corp/logout")
    corp_login(bw, "approver")
    resp = bw.client.post(
        f"/bank/corp/payments/{p.number}/approve",
        data={"tx_password": bw.ident("approver")["payment_password"]},
    )
    assert resp.status_code == 409 and "余额不足" in resp.get_data(as_text=True)
    assert payments(bw)[0].status == "pending"


def test_another_companys_payment_is_not_reachable(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(
        [
            {"role": "operator", "company": "a", "bank_balance_fen": 100000},
            {"role": "approver", "company": "b", "bank_balance_fen": 100000},
            {"role": "payee"},
        ]
    )
    assert bw.ident("operator")["account_no"] != bw.ident("approver")["account_no"]
    corp_login(bw, "operator")
    prepare(bw, "10.00")
    (p,) = payments(bw)
    bw.client.post("/bank/corp/logout")
    corp_login(bw, "approver")
    assert bw.client.get(f"/bank/corp/payments/{p.number}").status_code == 404
    approve = {"tx_password": bw.ident("approver")["payment_password"]}
    assert bw.client.post(f"/bank/corp/payments/{p.number}/approve", data=approve).status_code == 404
    assert p.number not in bw.client.get("/bank/corp/payments").get_data(as_text=True)


def test_corp_pages_need_a_login(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(TEAM)
    for path in ("/bank/corp/", "/bank/corp/payments", "/bank/corp/payments/new", "/bank/corp/statement"):
        resp = bw.client.get(path)
        assert resp.status_code == 302 and resp.location.endswith("/bank/corp/login"), path
    resp = bw.client.post(
        "/bank/corp/login", data={"login": bw.ident("operator")["corp_login"], "password": "x"}
    )
    assert resp.status_code == 401


def test_one_authenticate_for_every_channel(bank_world) -> None:  # noqa: ANN001
    """Personal, enterprise and counter logins all go through auth.authenticate (certificates later)."""
    bw = bank_world([*TEAM, {"role": "buyer"}, {"role": "teller"}])
    w = bw.world(read_only=False)
    try:
        buyer, op, teller = bw.ident("buyer"), bw.ident("operator"), bw.ident("teller")
        p = auth.authenticate(
            w, channel=auth.Channel.PERSONAL, login=buyer["account_no"], password=buyer["login_password"]
        )
        assert p.account.number == buyer["account_no"] and p.user is None
        p = auth.authenticate(
            w,
            channel=auth.Channel.ENTERPRISE,
            login=op["corp_login"],
            password=op["login_password"],
            certificate=None,
        )
        assert p.user.role == "operator" and p.account.number == op["account_no"]
        p = auth.authenticate(
            w, channel=auth.Channel.COUNTER, login=teller["teller_no"], password=teller["login_password"]
        )
        assert p.teller is not None
        # a card's password does not open enterprise banking, and the other way round
        with pytest.raises(DomainError):
            auth.authenticate(
                w,
                channel=auth.Channel.ENTERPRISE,
                login=buyer["account_no"],
                password=buyer["login_password"],
            )
        with pytest.raises(DomainError):
            auth.authenticate(
                w, channel=auth.Channel.PERSONAL, login=op["account_no"], password=op["login_password"]
            )
        with pytest.raises(ValueError):
            auth.authenticate(w, channel="telephone", login="x", password="y")
        assert [e.payload["channel"] for e in w.emitted] == ["personal", "enterprise", "counter"]
    finally:
        w.rollback()
        w.close()
