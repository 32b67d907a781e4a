"""Opening accounts: identities by role, the online application, the counter (NPC and teller), the mailed
credentials, the transaction password's lock and the counter's unlock. Also the helpers the other
bank tests use (a candidate in a world made by a scenario of the bank's roles)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.bank import accounts, idcheck
from sandbox.bank import services as bank
from sandbox.bank.models import AccountApplication, BankAccount, Citizen, Teller
from sandbox.control import people
from sandbox.control.models import Attempt
from sandbox.domains import load_npc_actions
from sandbox.mail import services as mail
from sandbox.mail.models import Folder
from sandbox.worlds.base import WorldMeta
from sandbox.worlds.store import open_world
from seed_data.overlay import make_identities
from tests.conftest import make_app

load_npc_actions()

SCENARIO = """
id: bank-test
version: 1
title: {{zh: 银行测试, en: Bank test}}
level: 电子商务员
module: payment
minutes: 120
params: {{}}
world:
  base: default
  accounts: {accounts}
  events: {events}
tasks:
  - id: t
    text: {{zh: 使用网上银行。, en: Use the online bank.}}
rubric:
  - id: a
    points: 10
    text: {{zh: 登录了网上银行, en: Logged in}}
    check: {{kind: event, name: event.occurred, args: {{event: bank.logged_in}}}}
"""


@dataclass
class BankWorld:
    """A candidate's client in a world of a made-up bank scenario, and ways to look into it."""

    app: Any
    client: Any
    attempt: Attempt

    def ident(self, role: str) -> dict[str, Any]:
        """The candidate's identity with this role."""
        return next(i for i in self.attempt.identities if i["role"] == role)

    def world(self, read_only: bool = True):  # noqa: ANN201
        """The world, opened directly (close it)."""
        return open_world(self.attempt.world_path, read_only=read_only)

    def advance(self, minutes: int) -> None:
        """Move the world clock forward (the attempt started that much earlier)."""
        w = self.world(read_only=False)
        meta = w.db.get(WorldMeta, 1)
        meta.started_real -= minutes * 60
        w.commit()
        w.close()

    def touch(self) -> None:
        """A request to the world: what NPC rules and scheduled actions have due runs."""
        assert self.client.get("/bank/fees").status_code == 200

    def balance(self, number: str) -> int:
        """An account's balance."""
        w = self.world()
        try:
            return bank.balance(w, bank.find_account(w, number))
        finally:
            w.close()

    def inbox(self, role: str) -> list[str]:
        """Subjects and texts of the identity's inbox, newest first (after a touch)."""
        self.touch()
        w = self.world()
        try:
            box = mail.mailbox_by_address(w, self.ident(role)["email"])
            return [m.subject + "\n" + mail.show(m).text for m in mail.folder(w, box, Folder.INBOX)]
        finally:
            w.close()

    def login(self, role: str = "buyer") -> None:
        """Log in to personal online banking as the identity."""
        ident = self.ident(role)
        resp = self.client.post(
            "/bank/login", data={"account_no": ident["account_no"], "password": ident["login_password"]}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)


def make_bank_world(
    tmp_path: Path,
    templates_dir: Path,
    accounts_spec: list[dict],
    events: list[dict] | None = None,
    ticket: str = "B0001",
) -> BankWorld:
    """Log a candidate into a fresh attempt of a scenario with these world.accounts and NPC rules."""
    folder = tmp_path / "scenarios" / "bank-test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(
        SCENARIO.format(accounts=json.dumps(accounts_spec), events=json.dumps(events or [])), encoding="utf-8"
    )
    (folder / "solution.py").write_text("def solve(page, ctx):\n    pass\n", encoding="utf-8")
    app = make_app(tmp_path / "data", templates_dir, SCENARIOS_DIR=folder.parent)
    rt = app.extensions["sandbox"]
    db = rt.control.session()
    exam = people.create_exam(db, "BANK", "银行", ["bank-test"])
    people.add_candidate(db, exam, ticket, "考生", "pass1234")
    people.add_candidate(db, exam, "B0002", "考生乙", "pass1234")
    db.commit()
    db.close()
    client = app.test_client()
    assert client.post("/exam/login", data={"ticket_no": ticket, "password": "pass1234"}).status_code == 302
    assert client.get("/exam/").status_code == 200
    with client.session_transaction() as sess:
        attempt_id = sess["attempt_id"]
    db = rt.control.session()
    attempt = db.get(Attempt, attempt_id)
    db.close()
    return BankWorld(app, client, attempt)


@pytest.fixture
def bank_world(tmp_path: Path, templates_dir: Path):  # noqa: ANN201
    """A factory of bank worlds; the apps are stopped afterwards."""
    made: list[BankWorld] = []

    def make(accounts_spec: list[dict], events: list[dict] | None = None) -> BankWorld:
        bw = make_bank_world(tmp_path / str(len(made)), templates_dir, accounts_spec, events)
        made.append(bw)
        return bw

    yield make
    for bw in made:
        bw.app.extensions["sandbox"].grading.stop()


REVIEW = [{"on": "bank.account_applied", "do": "bank.counter_review", "args": {"after": "+2m"}}]


def application_form(ident: dict[str, Any], **changes: str) -> dict[str, str]:
    """The application form filled with the identity's own details."""
    form = {
        "bank": ident["bank_code"],
        "account_type": ident.get("account_type", "personal"),
        "name": ident["name"],
        "id_number": ident["id_number"],
        "mobile": ident["mobile"],
        "email": ident["email"],
        "address": ident["address"],
        "company_name": ident.get("company_name", ""),
        "credit_code": ident.get("credit_code", ""),
    }
    form.update(changes)
    return form


def applications(bw: BankWorld) -> list[AccountApplication]:
    """Every application in the world, oldest first, after a request touched the world (rules ran)."""
    bw.touch()
    w = bw.world()
    try:
        rows = list(w.db.scalars(select(AccountApplication).order_by(AccountApplication.id)))
        for a in rows:
            _ = (a.bank.code, a.account.number if a.account else None)
        return rows
    finally:
        w.close()


# --- numbers and identities ------------------------------------------------------------------------


def test_id_number_and_credit_code_rules() -> None:
    from datetime import date

    good = idcheck.make_id_number("110105", date(1990, 5, 17), 123)
    assert len(good) == 18 and idcheck.valid_id_number(good, date(2026, 3, 15))
    assert idcheck.valid_id_number("11010519491231002X")  # the standard's published example
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert not idcheck.valid_id_number(wrong_check)
    assert not idcheck.valid_id_number(good[:17])
    assert not idcheck.valid_id_number("99" + good[2:])  # no such province
    assert not idcheck.valid_id_number("110105" + "19901332" + good[14:])  # 32 Dec is no date
    assert not idcheck.valid_id_number(good, date(1980, 1, 1))  # born after "today"
    assert idcheck.age_on(good, date(2026, 3, 15)) == 35
    code = idcheck.make_credit_code("110105", "MA0000001")
    assert idcheck.valid_credit_code(code) and idcheck.valid_credit_code("91350100M000100Y43")
    assert not idcheck.valid_credit_code(code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert not idcheck.valid_credit_code("91350100M000100YI3")  # I is not in the alphabet
    assert idcheck.valid_mobile("13912345678") and not idcheck.valid_mobile("12912345678")
    assert idcheck.luhn_digit("7992739871") == "3"


def test_identities_keep_their_values_and_gain_a_person() -> None:
    """Adding the bank's fields moved no drawn value of an existing identity; new roles are derived."""
    (buyer,) = make_identities(7, [{"role": "buyer", "bank_balance_fen": 500000}])
    again = make_identities(7, [{"role": "buyer", "bank_balance_fen": 500000}, {"role": "applicant"}])
    assert again[0] == buyer
    assert idcheck.valid_id_number(buyer["id_number"]) and idcheck.valid_mobile(buyer["mobile"])
    applicant = again[1]
    assert applicant["account_no"] == applicant["login_password"] == applicant["payment_password"] == ""
    assert applicant["id_number"] != buyer["id_number"]
    team = make_identities(
        7,
        [
            {"role": "operator", "bank_balance_fen": 100000},
            {"role": "approver"},
            {"role": "payee", "other_bank_than": "operator"},
            {"role": "teller", "same_bank_as": "operator"},
        ],
    )
    operator, approver, payee, teller = team
    assert (
        operator["account_no"] == approver["account_no"]
        and operator["credit_code"] == approver["credit_code"]
    )
    assert operator["corp_login"] != approver["corp_login"]
    assert idcheck.valid_credit_code(operator["credit_code"])
    assert (
        payee["bank_code"] != operator["bank_code"] and payee["login_password"] == "" and payee["email"] == ""
    )
    assert teller["bank_code"] == operator["bank_code"] and teller["teller_no"].startswith(
        teller["bank_code"]
    )
    fixed = make_identities(7, [{"role": "buyer", "bank": "CMB"}])[0]
    assert fixed["bank_code"] == "CMB" and fixed["account_no"].startswith("621483")
    assert fixed["account_no"][6:] == buyer["account_no"][6:]


def test_overlay_puts_every_role_in_the_bank(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(
        [
            {"role": "applicant", "bank_balance_fen": 20000},
            {"role": "teller", "same_bank_as": "applicant"},
            {"role": "operator", "bank_balance_fen": 300000},
            {"role": "approver"},
            {"role": "payee", "other_bank_than": "applicant", "bank_balance_fen": 100},
        ]
    )
    w = bw.world()
    try:
        applicant = bw.ident("applicant")
        citizen = w.db.scalars(select(Citizen).where(Citizen.id_number == applicant["id_number"])).one()
        assert (citizen.name, citizen.cash_fen) == (applicant["name"], 20000)
        assert (
            w.db.scalars(
                select(BankAccount).where(BankAccount.holder_id_number == applicant["id_number"])
            ).all()
            == []
        )
        teller = w.db.scalars(select(Teller)).one()
        assert (
            teller.teller_no == bw.ident("teller")["teller_no"] and teller.bank.code == applicant["bank_code"]
        )
        company = bank.find_account(w, bw.ident("operator")["account_no"])
        assert company.kind == "enterprise" and company.holder == bw.ident("operator")["company_name"]
        assert bank.balance(w, company) == 300000
        payee = bank.find_account(w, bw.ident("payee")["account_no"])
        assert payee.login_password_hash is None and bank.balance(w, payee) == 100
        # the clearing and fee accounts of every bank are there from the start
        assert bank.find_account(w, "ICBC-CLEARING").kind == "clearing"
    finally:
        w.close()
    panel = bw.client.get("/exam/").get_data(as_text=True)
    assert (
        applicant["id_number"] in panel and "尚未开户" in panel and bw.ident("teller")["teller_no"] in panel
    )
    assert bw.ident("operator")["corp_login"] in panel and "收款人资料" in panel
    assert bw.ident("payee")["account_no"] in panel


# --- applying and the counter ------------------------------------------------------------------------


def test_apply_then_npc_counter_approves_after_the_delay_and_mails_credentials(bank_world) -> None:  # noqa: ANN001
    bw = bank_world([{"role": "applicant", "bank_balance_fen": 50000}], REVIEW)
    ident = bw.ident("applicant")
    assert "在线申请开户" in bw.client.get("/bank/apply").get_data(as_text=True)
    resp = bw.client.post("/bank/apply", data=application_form(ident))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (a,) = applications(bw)
    page = bw.client.get(f"/bank/apply/{a.number}").get_data(as_text=True)
    assert a.number in page and "待审核" in page and 'http-equiv="refresh"' in page
    assert bw.inbox("applicant") == []  # the counter takes two minutes
    bw.advance(3)
    page = bw.client.get(f"/bank/apply/{a.number}").get_data(as_text=True)
    assert "已开户" in page
    (a,) = applications(bw)
    assert a.status == "approved" and a.reviewer == "npc:柜台" and a.account is not None
    number = a.account.number
    assert number.startswith(bank_prefix(ident["bank_code"])) and len(number) == 19
    assert idcheck.luhn_digit(number[:-1]) == number[-1]
    (notice,) = bw.inbox("applicant")
    assert "开户成功通知" in notice and number in notice
    login_password, tx_password = notice_value(notice, "登录密码："), notice_value(notice, "交易密码：")
    assert len(tx_password) == 6 and tx_password.isdigit()
    assert bw.balance(number) == 50000  # the cash brought to the counter, paid in from the funding account
    resp = bw.client.post("/bank/login", data={"account_no": number, "password": login_password})
    assert resp.status_code == 302
    assert "¥500.00" in bw.client.get("/bank/").get_data(as_text=True)
    w = bw.world()
    names = [e.name for e in w.events() if e.name.startswith("bank.")]
    w.close()
    assert names[:2] == ["bank.account_applied", "bank.account_opened"]
    assert "bank.account_approved" in names and "bank.funded" in names and names[-1] == "bank.logged_in"


def workspace(html: str) -> str:
    """The page without the task panel (which shows the candidate's identities in full)."""
    return html.split('<main class="workspace">')[1].split("</main>")[0]


def notice_value(notice: str, label: str) -> str:
    """The value after `label` on its line of a mailed notice."""
    return notice.split(label)[1].splitlines()[0].strip()


def bank_prefix(code: str) -> str:
    """A bank's card prefix from the fixed list."""
    from seed_data.lists import BANKS

    return next(b["card_prefix"] for b in BANKS if b["code"] == code)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id_number": "110105199001011230"}, "身份证号码格式或校验位不正确"),
        ({"name": "张冒名"}, "姓名与身份证号码不符"),
        ({"mobile": "1234567"}, "手机号码格式不正确"),
    ],
)
def test_npc_counter_rejects_with_the_reason_by_mail(bank_world, changes: dict, reason: str) -> None:  # noqa: ANN001
    bw = bank_world([{"role": "applicant"}], [{"on": "bank.account_applied", "do": "bank.counter_review"}])
    ident = bw.ident("applicant")
    if "id_number" in changes and idcheck.valid_id_number(changes["id_number"]):
        changes = {"id_number": changes["id_number"][:-1] + "0"}
    assert bw.client.post("/bank/apply", data=application_form(ident, **changes)).status_code == 302
    (a,) = applications(bw)
    assert a.status == "rejected" and reason in a.reason and a.account is None
    (notice,) = bw.inbox("applicant")
    assert "开户申请结果通知" in notice and reason in notice
    assert reason in bw.client.get(f"/bank/apply/{a.number}").get_data(as_text=True)
    w = bw.world()
    assert w.events("bank.account_rejected")[0].payload["reason"] == a.reason
    w.close()


def test_a_second_personal_account_at_the_same_bank_is_refused(bank_world) -> None:  # noqa: ANN001
    bw = bank_world([{"role": "applicant"}], [{"on": "bank.account_applied", "do": "bank.counter_review"}])
    form = application_form(bw.ident("applicant"))
    assert bw.client.post("/bank/apply", data=form).status_code == 302
    assert bw.client.post("/bank/apply", data=form).status_code == 302
    first, second = applications(bw)
    assert first.status == "approved" and second.status == "rejected"
    assert "已在本行开立个人结算账户" in second.reason


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"bank": ""}, 400, "请选择开户银行"),
        ({"bank": "NOPE"}, 404, "银行不存在"),
        ({"account_type": "other"}, 400, "请选择账户类型"),
        ({"name": ""}, 400, "请填写姓名"),
        ({"name": "名" * 31}, 400, "请填写姓名"),
        ({"id_number": "   "}, 400, "请填写身份证号码"),
        ({"mobile": ""}, 400, "请填写手机号码"),
        ({"email": "not-an-address"}, 400, "电子邮箱格式不正确"),
        ({"email": "me@example.com"}, 400, "本模拟环境中的邮箱地址"),
        ({"address": ""}, 400, "请填写联系地址"),
        ({"account_type": "enterprise", "company_name": ""}, 400, "请填写企业名称"),
        (
            {"account_type": "enterprise", "company_name": "某公司", "credit_code": ""},
            400,
            "请填写统一社会信用代码",
        ),
    ],
)
def test_bad_applications_are_refused_and_change_nothing(
    bank_world, changes: dict, status: int, message: str
) -> None:  # noqa: ANN001
    bw = bank_world([{"role": "applicant"}])
    resp = bw.client.post("/bank/apply", data=application_form(bw.ident("applicant"), **changes))
    assert resp.status_code == status
    assert message in resp.get_data(as_text=True)
    assert applications(bw) == []


def test_a_pending_application_is_not_filed_twice(bank_world) -> None:  # noqa: ANN001
    bw = bank_world([{"role": "applicant"}])
    form = application_form(bw.ident("applicant"))
    assert bw.client.post("/bank/apply", data=form).status_code == 302
    resp = bw.client.post("/bank/apply", data=form)
    assert resp.status_code == 409 and "已有待审核的开户申请" in resp.get_data(as_text=True)
    assert len(applications(bw)) == 1


def test_enterprise_application_opens_a_company_account_with_two_users(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(
        [{"role": "applicant", "account_type": "enterprise", "bank_balance_fen": 1000000}],
        [{"on": "bank.account_applied", "do": "bank.counter_review"}],
    )
    ident = bw.ident("applicant")
    assert bw.client.post("/bank/apply", data=application_form(ident)).status_code == 302
    (a,) = applications(bw)
    assert a.status == "approved", a.reason
    (notice,) = bw.inbox("applicant")
    logins = [
        line.split("：")[1].strip() for line in notice.splitlines() if line.startswith("企业网银操作员")
    ]
    password = notice_value(notice, "初始登录密码：")
    assert len(logins) == 2 and bw.balance(a.account.number) == 1000000
    resp = bw.client.post("/bank/corp/login", data={"login": logins[0], "password": password})
    assert resp.status_code == 302
    assert ident["company_name"] in bw.client.get("/bank/corp/").get_data(as_text=True)
    # a wrong credit code is rejected
    bw2 = bank_world(
        [{"role": "applicant", "account_type": "enterprise"}],
        [{"on": "bank.account_applied", "do": "bank.counter_review"}],
    )
    code = bw2.ident("applicant")["credit_code"]
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert (
        bw2.client.post(
            "/bank/apply", data=application_form(bw2.ident("applicant"), credit_code=bad)
        ).status_code
        == 302
    )
    (a2,) = applications(bw2)
    assert a2.status == "rejected" and "统一社会信用代码" in a2.reason


def test_teller_reviews_applications_at_the_counter(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(
        [{"role": "teller", "bank": "ICBC"}],
        [
            {
                "at": "+0s",
                "do": "bank.npc_applications",
                "args": {"bank": "ICBC", "problems": ["none", "bad_id"]},
            }
        ],
    )
    teller = bw.ident("teller")
    assert bw.client.get("/bank/counter/").status_code == 302  # login first
    resp = bw.client.post("/bank/counter/login", data={"teller_no": teller["teller_no"], "password": "wrong"})
    assert resp.status_code == 401
    resp = bw.client.post(
        "/bank/counter/login", data={"teller_no": teller["teller_no"], "password": teller["login_password"]}
    )
    assert resp.status_code == 302
    good, bad = applications(bw)
    desk = bw.client.get("/bank/counter/").get_data(as_text=True)
    assert good.number in desk and bad.number in desk
    detail = bw.client.get(f"/bank/counter/applications/{good.number}").get_data(as_text=True)
    assert "该号码登记姓名" in detail and good.name in detail
    # a rejection needs a reason; a decision that is neither is refused
    assert (
        bw.client.post(
            f"/bank/counter/applications/{bad.number}/decide", data={"decision": "reject"}
        ).status_code
        == 400
    )
    assert (
        bw.client.post(
            f"/bank/counter/applications/{bad.number}/decide", data={"decision": "maybe"}
        ).status_code
        == 400
    )
    resp = bw.client.post(
        f"/bank/counter/applications/{bad.number}/decide",
        data={"decision": "reject", "reason": "证件号码有误"},
    )
    assert resp.status_code == 302
    assert (
        bw.client.post(
            f"/bank/counter/applications/{good.number}/decide", data={"decision": "approve"}
        ).status_code
        == 302
    )
    # deciding twice is a conflict
    assert (
        bw.client.post(
            f"/bank/counter/applications/{good.number}/decide", data={"decision": "approve"}
        ).status_code
        == 409
    )
    good, bad = applications(bw)
    assert (good.status, good.reviewer) == ("approved", teller["teller_no"])
    assert (bad.status, bad.reason) == ("rejected", "证件号码有误")
    assert bw.client.get("/bank/counter/applications/KH000").status_code == 404


def test_teller_of_another_bank_sees_no_application(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(
        [{"role": "teller", "bank": "CCB"}],
        [{"at": "+0s", "do": "bank.npc_applications", "args": {"bank": "ICBC", "problems": ["none"]}}],
    )
    teller = bw.ident("teller")
    bw.client.post(
        "/bank/counter/login", data={"teller_no": teller["teller_no"], "password": teller["login_password"]}
    )
    (a,) = applications(bw)
    assert a.number not in bw.client.get("/bank/counter/").get_data(as_text=True)
    assert bw.client.get(f"/bank/counter/applications/{a.number}").status_code == 404
    resp = bw.client.post(f"/bank/counter/applications/{a.number}/decide", data={"decision": "approve"})
    assert resp.status_code == 404
    assert applications(bw)[0].status == "pending"


# --- transaction password lock ------------------------------------------------------------------------


def test_five_wrong_transaction_passwords_lock_until_the_counter_unlocks(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(
        [
            {"role": "buyer", "bank": "ICBC", "bank_balance_fen": 100000},
            {"role": "teller", "bank": "ICBC"},
            {"role": "payee", "bank": "ICBC"},
        ]
    )
    buyer, payee = bw.ident("buyer"), bw.ident("payee")
    bw.login("buyer")
    form = {
        "payee_name": payee["name"],
        "payee_account_no": payee["account_no"],
        "payee_bank": "ICBC",
        "amount": "10.00",
        "tx_password": "000000" if buyer["payment_password"] != "000000" else "111111",
    }
    for left in (4, 3, 2, 1):
        resp = bw.client.post("/bank/transfer", data=form)
        assert resp.status_code == 401 and f"还可以尝试 {left} 次" in resp.get_data(as_text=True)
    resp = bw.client.post("/bank/transfer", data=form)
    assert resp.status_code == 403 and "已锁定" in resp.get_data(as_text=True)
    resp = bw.client.post("/bank/transfer", data={**form, "tx_password": buyer["payment_password"]})
    assert resp.status_code == 403  # even the right one, while locked
    assert bw.balance(buyer["account_no"]) == 100000
    assert "交易密码已锁定" in bw.client.get("/bank/").get_data(as_text=True)
    # the teller unlocks it at the counter
    teller = bw.ident("teller")
    bw.client.post(
        "/bank/counter/login", data={"teller_no": teller["teller_no"], "password": teller["login_password"]}
    )
    assert bw.client.post("/bank/counter/unlock", data={"target": "6222"}).status_code == 404
    assert bw.client.post("/bank/counter/unlock", data={"target": payee["account_no"]}).status_code == 409
    assert bw.client.post("/bank/counter/unlock", data={"target": buyer["account_no"]}).status_code == 302
    resp = bw.client.post("/bank/transfer", data={**form, "tx_password": buyer["payment_password"]})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert bw.balance(buyer["account_no"]) == 100000 - 1000
    w = bw.world()
    names = [e.name for e in w.events()]
    w.close()
    assert names.count("payment.password_failed") == 5
    assert "bank.tx_password_locked" in names and "bank.tx_password_unlocked" in names


def test_npc_counter_unlocks_on_a_rule(bank_world) -> None:  # noqa: ANN001
    bw = bank_world(
        [{"role": "buyer", "bank_balance_fen": 1000}],
        [{"on": "bank.tx_password_locked", "do": "bank.counter_unlock", "args": {"after": "+10m"}}],
    )
    w = bw.world(read_only=False)
    account = bank.find_account(w, bw.ident("buyer")["account_no"])
    account.locked, account.failed_payment_attempts = True, 5
    w.emit("bank.tx_password_locked", account_no=account.number)
    w.commit()
    w.close()
    bw.client.get("/bank/login")  # the rule schedules the unlock
    bw.advance(11)
    bw.client.get("/bank/login")
    w = bw.world()
    assert not bank.find_account(w, bw.ident("buyer")["account_no"]).locked
    w.close()


def test_teller_of_another_bank_cannot_unlock(bank_world) -> None:  # noqa: ANN001
    bw = bank_world([{"role": "buyer", "bank": "ICBC"}, {"role": "teller", "bank": "CCB"}])
    w = bw.world(read_only=False)
    try:
        account = bank.find_account(w, bw.ident("buyer")["account_no"])
        account.locked = True
        teller = w.db.scalars(select(Teller)).one()
        with pytest.raises(Exception, match="只能为本行客户解锁"):
            accounts.unlock(w, teller, account.number)
    finally:
        w.close()


def test_bank_routes_survive_hostile_values_when_logged_in(bank_world) -> None:  # noqa: ANN001
    """The hostile walk of tests/test_hostile_routes.py over the bank's routes, logged in at every channel."""
    from urllib.parse import urlencode

    from tests.test_hostile_routes import HOSTILE, fill, query_names

    bw = bank_world(
        [
            {"role": "buyer", "bank": "ICBC", "bank_balance_fen": 100000},
            {"role": "teller", "bank": "ICBC"},
            {"role": "operator", "bank": "ICBC", "bank_balance_fen": 100000},
        ]
    )
    bw.login("buyer")
    teller, operator = bw.ident("teller"), bw.ident("operator")
    bw.client.post(
        "/bank/counter/login", data={"teller_no": teller["teller_no"], "password": teller["login_password"]}
    )
    bw.client.post(
        "/bank/corp/login", data={"login": operator["corp_login"], "password": operator["login_password"]}
    )
    names = query_names()
    bad = []
    for rule in sorted(bw.app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/bank") or rule.endpoint.endswith("logout"):
            continue
        for value in HOSTILE if "<" in rule.rule else HOSTILE[:4]:
            path = fill(rule.rule, value)
            for method in sorted(rule.methods & {"GET", "POST"}):
                for url in (path, f"{path}?{urlencode({n: value for n in names})}"):
                    form = {
                        k: value
                        for k in (
                            "amount",
                            "payee_account_no",
                            "payee_name",
                            "payee_bank",
                            "target",
                            "decision",
                        )
                    }
                    resp = bw.client.open(url, method=method, data=form if method == "POST" else None)
                    if resp.status_code >= 500:
                        bad.append(f"{method} {url[:80]!r} -> {resp.status_code}")
    assert not bad, "\n".join(bad[:20])
