"""Transfers through personal online banking: within the bank at once, to another bank with a fee and a
delay (held in the clearing account), returned when the payee's name is wrong; bad input; the payee
book; statements with filters and CSV; masked card numbers; password changes; isolation."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from sandbox.bank import fees
from sandbox.bank import services as bank
from sandbox.bank.models import BankAccount, JournalEntry, JournalLine, Payee, Transfer
from sandbox.errors import Conflict
from tests import test_bank_accounts as bank_tests

bank_world = bank_tests.bank_world  # the fixture: a candidate in a world of the bank's roles

SAME = [
    {"role": "buyer", "bank": "ICBC", "bank_balance_fen": 1000000},
    {"role": "payee", "bank": "ICBC", "bank_balance_fen": 5000},
]
OTHER = [
    {"role": "buyer", "bank": "ICBC", "bank_balance_fen": 1000000},
    {"role": "payee", "bank": "CCB"},
]


def form_for(bw, amount: str = "3000.00", **changes: str) -> dict[str, str]:  # noqa: ANN001
    """A transfer form to the world's payee, with the buyer's transaction password."""
    payee = bw.ident("payee")
    form = {
        "payee_name": payee["name"],
        "payee_account_no": payee["account_no"],
        "payee_bank": payee["bank_code"],
        "amount": amount,
        "memo": "货款",
        "tx_password": bw.ident("buyer")["payment_password"],
    }
    form.update(changes)
    return form


def world_totals(bw) -> dict:  # noqa: ANN001
    """Everything a refused request must leave as it was, and the sum of all balances."""
    w = bw.world()
    try:
        return {
            "lines": w.db.scalar(select(func.count(JournalLine.id))),
            "transfers": w.db.scalar(select(func.count(Transfer.id))),
            "sum": w.db.scalar(select(func.sum(JournalLine.amount_fen))),
            "balances": {a.number: bank.balance(w, a) for a in w.db.scalars(select(BankAccount))},
        }
    finally:
        w.close()


def only_transfer(bw) -> Transfer:  # noqa: ANN001
    w = bw.world()
    try:
        (t,) = w.db.scalars(select(Transfer)).all()
        return t
    finally:
        w.close()


def test_fee_table() -> None:
    assert [fees.interbank_fee(f) for f in (1, 200_000, 200_001, 500_000, 1_000_000, 5_000_000)] == [
        200,
        200,
        500,
        500,
        1_000,
        1_500,
    ]
    assert fees.interbank_fee(10_000_000) == 3_000  # 0.03% of ¥100,000
    assert fees.interbank_fee(20_000_000) == 5_000  # capped at ¥50


def test_transfer_within_the_bank_arrives_at_once(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(SAME)
    bw.login()
    page = bw.client.get("/bank/transfer").get_data(as_text=True)
    assert "收费标准" in page and "本行转账免费" in page
    resp = bw.client.post("/bank/transfer", data=form_for(bw, "1234.56"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    t = only_transfer(bw)
    assert (t.status, t.fee_fen, t.cross_bank) == ("done", 0, False)
    assert bw.balance(bw.ident("buyer")["account_no"]) == 1000000 - 123456
    assert bw.balance(bw.ident("payee")["account_no"]) == 5000 + 123456
    receipt = bw.client.get(resp.location).get_data(as_text=True)
    assert t.number in receipt and "已到账" in receipt and "¥1,234.56" in receipt
    w = bw.world()
    names = [e.name for e in w.events() if e.name.startswith("bank.transfer")]
    w.close()
    assert names == ["bank.transfer_sent", "bank.transfer_arrived"]


def test_cross_bank_transfer_costs_the_fee_and_arrives_after_the_delay(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(OTHER)
    bw.login()
    before = world_totals(bw)
    resp = bw.client.post("/bank/transfer", data=form_for(bw, "3000.00"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    t = only_transfer(bw)
    assert (t.status, t.fee_fen, t.cross_bank) == ("in_transit", 500, True)
    buyer, payee = bw.ident("buyer")["account_no"], bw.ident("payee")["account_no"]
    assert bw.balance(buyer) == 1000000 - 300000 - 500
    assert bw.balance(payee) == 0
    assert bw.balance("ICBC-CLEARING") == 300000 and bw.balance("ICBC-FEES") == 500
    assert world_totals(bw)["sum"] == before["sum"] == 0
    assert "处理中" in bw.client.get("/bank/transfers").get_data(as_text=True)
    bw.advance(29)
    bw.touch()
    assert bw.balance(payee) == 0  # not yet
    bw.advance(2)
    bw.touch()
    assert bw.balance(payee) == 300000 and bw.balance("ICBC-CLEARING") == 0
    t = only_transfer(bw)
    assert t.status == "arrived" and t.settled_at == t.due_at  # stamped with its due time
    assert world_totals(bw)["sum"] == 0
    statement = bw.client.get("/bank/statement").get_data(as_text=True)
    assert "跨行转账手续费" in statement and "-5.00" in statement


@pytest.mark.parametrize(
    ("change", "reason"),
    [("payee_name", "收款人户名与账号不符"), ("payee_account_no", "收款账号不存在")],
)
def test_the_receiving_bank_returns_a_wrong_transfer_with_the_fee(
    bank_world, change: str, reason: str
) -> None:  # noqa: ANN001
    bw = bank_world(OTHER)
    bw.login()
    wrong = {"payee_name": "不是收款人", "payee_account_no": "6217000000000000001"}[change]
    assert bw.client.post("/bank/transfer", data=form_for(bw, "100.00", **{change: wrong})).status_code == 302
    buyer = bw.ident("buyer")["account_no"]
    assert bw.balance(buyer) == 1000000 - 10000 - 200
    bw.advance(31)
    notices = bw.inbox("buyer")  # (a touch: the transfer reaches the other bank)
    t = only_transfer(bw)
    assert (t.status, t.return_reason) == ("returned", reason)
    assert bw.balance(buyer) == 1000000  # amount and fee back
    assert bw.balance("ICBC-CLEARING") == 0 and bw.balance("ICBC-FEES") == 0
    assert any("退汇通知" in n and reason in n for n in notices)
    receipt = bw.client.get(f"/bank/transfers/{t.number}").get_data(as_text=True)
    assert "已退汇" in receipt and reason in receipt
    w = bw.world()
    kinds = [e.kind for e in w.db.scalars(select(JournalEntry).where(JournalEntry.reference == t.number))]
    reversals = list(w.db.scalars(select(JournalEntry).where(JournalEntry.reverses_id.is_not(None))))
    w.close()
    assert kinds == ["transfer", "fee", "return", "return"] and len(reversals) == 2


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"amount": "-1"}, 400, "金额必须是数字"),
        ({"amount": "0"}, 400, "金额必须大于零"),
        ({"amount": "0.00"}, 400, "金额必须大于零"),
        ({"amount": "0.001"}, 400, "金额必须是数字，最多两位小数"),
        ({"amount": "1e5"}, 400, "金额必须是数字"),
        ({"amount": "NaN"}, 400, "金额必须是数字"),
        ({"amount": "abc"}, 400, "金额必须是数字"),
        ({"amount": ""}, 400, "请输入转账金额"),
        ({"amount": "99999999999"}, 400, "金额超出范围"),
        ({"amount": "200000.01"}, 400, "单笔转账金额不能超过"),
        ({"amount": "20000.00"}, 409, "余额不足"),
        ({"payee_account_no": "12345"}, 400, "收款账号须为 12–30 位数字"),
        ({"payee_account_no": "６２２２０２１２３４５６７８９０"}, 400, "收款账号须为"),
        ({"payee_name": ""}, 400, "请填写收款人户名"),
        ({"payee_bank": ""}, 400, "请选择收款银行"),
        ({"payee_bank": "XYZ"}, 400, "请选择收款银行"),
        ({"memo": "长" * 31}, 400, "附言不能超过 30 个字"),
    ],
)
def test_bad_transfers_are_refused_and_move_nothing(
    bank_world, changes: dict, status: int, message: str
) -> None:  # noqa: ANN001
    bw = bank_world(
        [{**OTHER[0], "bank_balance_fen": 1000000 if "余额" not in message else 100000}, OTHER[1]]
    )
    bw.login()
    before = world_totals(bw)
    resp = bw.client.post("/bank/transfer", data=form_for(bw, **changes))
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert message in resp.get_data(as_text=True)
    assert world_totals(bw) == before


def test_own_account_and_unknown_or_misnamed_payees_of_this_bank_are_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(SAME)
    bw.login()
    before = world_totals(bw)
    buyer = bw.ident("buyer")
    own = form_for(bw, payee_account_no=buyer["account_no"], payee_name=buyer["name"])
    resp = bw.client.post("/bank/transfer", data=own)
    assert resp.status_code == 400 and "不能向本账户转账" in resp.get_data(as_text=True)
    resp = bw.client.post("/bank/transfer", data=form_for(bw, payee_account_no="6222020000000000001"))
    assert resp.status_code == 404 and "收款账号在本行不存在" in resp.get_data(as_text=True)
    resp = bw.client.post("/bank/transfer", data=form_for(bw, payee_name="李四"))
    assert resp.status_code == 400 and "收款人户名与账号不符" in resp.get_data(as_text=True)
    resp = bw.client.post("/bank/transfer", data=form_for(bw, payee_account_no="ICBC-CLEARING"))
    assert resp.status_code == 400
    assert world_totals(bw) == before
    w = bw.world()
    assert w.events("payment.password_failed") == []  # refused before the password was checked
    w.close()


def test_payee_book(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(OTHER)
    bw.login()
    payee = bw.ident("payee")
    entry = {
        "payee_name": payee["name"],
        "payee_account_no": payee["account_no"],
        "payee_bank": payee["bank_code"],
    }
    assert bw.client.post("/bank/payees", data=entry).status_code == 302
    resp = bw.client.post("/bank/payees", data=entry)
    assert resp.status_code == 409 and "已在收款人名册中" in resp.get_data(as_text=True)
    assert bw.client.post("/bank/payees", data={**entry, "payee_account_no": "1"}).status_code == 400
    own = {**entry, "payee_account_no": bw.ident("buyer")["account_no"]}
    assert bw.client.post("/bank/payees", data=own).status_code == 400
    page = bank_tests.workspace(bw.client.get("/bank/payees").get_data(as_text=True))
    assert payee["name"] in page and payee["account_no"] not in page  # masked
    w = bw.world()
    (saved,) = w.db.scalars(select(Payee)).all()
    w.close()
    prefilled = bw.client.get(f"/bank/transfer?payee={saved.id}").get_data(as_text=True)
    assert f'value="{payee["account_no"]}"' in prefilled
    assert bw.client.post("/bank/payees/999999/delete").status_code == 404
    assert bw.client.post(f"/bank/payees/{saved.id}/delete").status_code == 302
    assert payee["name"] not in bank_tests.workspace(bw.client.get("/bank/payees").get_data(as_text=True))
    # "save to the payee book" on the transfer form
    assert (
        bw.client.post("/bank/transfer", data={**form_for(bw, "10.00"), "save_payee": "1"}).status_code == 302
    )
    assert payee["name"] in bw.client.get("/bank/payees").get_data(as_text=True)
    w = bw.world()
    names = [e.name for e in w.events() if e.name.startswith("bank.payee")]
    w.close()
    assert names == ["bank.payee_added", "bank.payee_removed", "bank.payee_added"]


def test_statement_filters_and_csv(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(OTHER)
    bw.login()
    assert bw.client.post("/bank/transfer", data=form_for(bw, "100.00", memo="=SUM(A1)")).status_code == 302
    all_rows = bw.client.get("/bank/statement").get_data(as_text=True)
    assert all_rows.count('data-kind="') == 3  # deposit, transfer, fee
    fee_only = bw.client.get("/bank/statement?type=fee").get_data(as_text=True)
    assert fee_only.count('data-kind="fee"') == 1 and 'data-kind="transfer"' not in fee_only
    income = bw.client.get("/bank/statement?type=in").get_data(as_text=True)
    assert income.count('data-kind="') == 1 and 'data-kind="deposit"' in income
    assert bw.client.get("/bank/statement?type=out").get_data(as_text=True).count('data-kind="') == 2
    assert bw.client.get("/bank/statement?start=2026-03-16").get_data(as_text=True).count('data-kind="') == 0
    window = bw.client.get("/bank/statement?start=2026-03-15&end=2026-03-15").get_data(as_text=True)
    assert window.count('data-kind="') == 3
    for bad in (
        "start=2026-13-01",
        "end=yesterday",
        "type=gift",
        "start=2026-03-16&end=2026-03-15",
        "start=NaN",
    ):
        assert bw.client.get(f"/bank/statement?{bad}").status_code == 400, bad
        assert bw.client.get(f"/bank/statement.csv?{bad}").status_code == 400, bad
    resp = bw.client.get("/bank/statement.csv?type=out")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["账号", bw.ident("buyer")["account_no"]]
    assert rows[1] == ["交易时间", "交易类型", "摘要", "业务编号", "收入", "支出", "余额"]
    body = rows[2:]
    assert [r[1] for r in body] == ["手续费", "转账"] and [r[5] for r in body] == ["2.00", "100.00"]
    assert body[1][2].startswith("跨行转账") and body[0][6] == "9898.00"
    assert all(not r[2].startswith("=") for r in body)  # no formula injection


def test_card_numbers_are_masked_unless_the_owner_asks(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(SAME)
    bw.login()
    number = bw.ident("buyer")["account_no"]
    masked = f"{number[:4]} **** **** {number[-4:]}"
    for path in ("/bank/", "/bank/statement", "/bank/account"):
        page = bank_tests.workspace(bw.client.get(path).get_data(as_text=True))
        assert number not in page and masked in page, path
    assert number in bw.client.get("/bank/account?full=1").get_data(as_text=True)


def test_change_login_and_transaction_passwords(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(SAME)
    bw.login()
    buyer = bw.ident("buyer")
    bad = [
        ({"old_password": "wrong", "new_password": "abc12345", "confirm_password": "abc12345"}, 401),
        (
            {"old_password": buyer["login_password"], "new_password": "short1", "confirm_password": "short1"},
            400,
        ),
        (
            {
                "old_password": buyer["login_password"],
                "new_password": "abcdefgh",
                "confirm_password": "abcdefgh",
            },
            400,
        ),
        (
            {
                "old_password": buyer["login_password"],
                "new_password": "abc12345",
                "confirm_password": "abc12346",
            },
            400,
        ),
    ]
    for form, status in bad:
        assert bw.client.post("/bank/password", data=form).status_code == status, form
    good = {
        "old_password": buyer["login_password"],
        "new_password": "newpass88",
        "confirm_password": "newpass88",
    }
    assert bw.client.post("/bank/password", data=good).status_code == 302
    bw.client.post("/bank/logout")
    old = {"account_no": buyer["account_no"], "password": buyer["login_password"]}
    assert bw.client.post("/bank/login", data=old).status_code == 401
    assert bw.client.post("/bank/login", data={**old, "password": "newpass88"}).status_code == 302
    # the transaction password: 6 digits; a wrong old one counts as a failed try
    tx = {"old_password": buyer["payment_password"], "new_password": "12345", "confirm_password": "12345"}
    assert bw.client.post("/bank/tx-password", data=tx).status_code == 400
    wrong_old = "000000" if buyer["payment_password"] != "000000" else "111111"
    tx = {"old_password": wrong_old, "new_password": "246810", "confirm_password": "246810"}
    resp = bw.client.post("/bank/tx-password", data=tx)
    assert resp.status_code == 401 and "还可以尝试 4 次" in resp.get_data(as_text=True)
    new_tx = "246810" if buyer["payment_password"] != "246810" else "135791"
    tx = {"old_password": buyer["payment_password"], "new_password": new_tx, "confirm_password": new_tx}
    assert bw.client.post("/bank/tx-password", data=tx).status_code == 302
    assert bw.client.post("/bank/transfer", data=form_for(bw, "1.00")).status_code == 401
    assert bw.client.post("/bank/transfer", data=form_for(bw, "1.00", tx_password=new_tx)).status_code == 302
    w = bw.world()
    kinds = [e.payload["kind"] for e in w.events("bank.password_changed")]
    w.close()
    assert kinds == ["login", "transaction"]


def test_pages_need_a_login_and_a_wrong_login_is_401(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(SAME)
    for path in (
        "/bank/",
        "/bank/transfer",
        "/bank/statement",
        "/bank/statement.csv",
        "/bank/payees",
        "/bank/account",
    ):
        resp = bw.client.get(path)
        assert resp.status_code == 302 and resp.location.endswith("/bank/login"), path
    assert bw.client.post("/bank/transfer", data=form_for(bw)).status_code == 302
    resp = bw.client.post(
        "/bank/login", data={"account_no": bw.ident("buyer")["account_no"], "password": "x"}
    )
    assert resp.status_code == 401 and "账号或登录密码错误" in resp.get_data(as_text=True)
    payee = bw.ident("payee")  # an account without online banking
    assert (
        bw.client.post("/bank/login", data={"account_no": payee["account_no"], "password": ""}).status_code
        == 401
    )
    assert (
        bw.client.post("/bank/login", data={"account_no": "ICBC-CLEARING", "password": "x"}).status_code
        == 401
    )
    assert bw.client.get("/bank/fees").status_code == 200  # public


def test_one_candidate_cannot_see_anothers_bank(bank_world, tmp_path, templates_dir) -> None:  # noqa: ANN001
    a = bank_world(OTHER)
    a.login()
    assert a.client.post("/bank/transfer", data=form_for(a, "10.00")).status_code == 302
    t = only_transfer(a)
    b_client = a.app.test_client()
    assert (
        b_client.post("/exam/login", data={"ticket_no": "B0002", "password": "pass1234"}).status_code == 302
    )
    b_client.get("/exam/")
    # A's card is not in B's world: its login fails, and B's pages never show A's numbers
    creds = {"account_no": a.ident("buyer")["account_no"], "password": a.ident("buyer")["login_password"]}
    resp = b_client.post("/bank/login", data=creds)
    with b_client.session_transaction() as sess:
        b_attempt = sess["attempt_id"]
    assert b_attempt != a.attempt.id
    if resp.status_code == 302:  # the same seed cannot happen in one exam, but say why if it did
        pytest.fail("A's credentials opened online banking in B's world")
    for path in ("/bank/", f"/bank/transfers/{t.number}", "/bank/transfers", "/bank/statement"):
        text = b_client.get(path).get_data(as_text=True)
        assert a.ident("buyer")["account_no"] not in text and t.number not in text, path


def test_journal_is_append_only_and_a_reversal_happens_once(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(SAME)
    w = bw.world(read_only=False)
    try:
        buyer = bank.find_account(w, bw.ident("buyer")["account_no"])
        payee = bank.find_account(w, bw.ident("payee")["account_no"])
        entry = bank.transfer(w, buyer, payee, 500, "测试", "T1")
        assert entry.kind == "transfer"
        reversal = bank.reverse_entry(w, entry, "冲正：测试")
        assert reversal.reverses_id == entry.id and reversal.kind == "reversal"
        assert sorted(line.amount_fen for line in reversal.lines) == [-500, 500]
        with pytest.raises(Conflict):
            bank.reverse_entry(w, entry, "again")
        assert bank.balance(w, buyer) == 1000000
        with pytest.raises(ValueError):
            bank.post_entry(w, "unbalanced", "", [(buyer, -1), (payee, 2)])
        # no overdraft without a limit; a limit allows that much
        with pytest.raises(Exception, match="余额不足"):
            bank.transfer(w, payee, buyer, 5001, "too much", "")
        payee.overdraft_limit_fen = 1000
        bank.transfer(w, payee, buyer, 5900, "overdraft", "")
        assert bank.balance(w, payee) == -900
        # payments to merchants are 支付 in the statement by default
        shop = w.db.scalars(select(BankAccount).where(BankAccount.kind == "merchant")).first()
        assert bank.transfer(w, buyer, shop, 100, "网上购物", "O1").kind == "payment"
        assert bank.transfer(w, buyer, shop, 100, "退款", "O1", kind="refund").kind == "refund"
    finally:
        w.rollback()
        w.close()
