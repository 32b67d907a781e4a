"""The RA console (RA 审核台, /ca/ra/): the reviewer's sign-in, the queue, the checks shown next to an
application's fields, approving and rejecting through ca.decide, and the paper applications the NPC
action `ca.npc_applications` files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from stdnum.cn import ric, uscc

from sandbox.errors import Conflict, DomainError
from sandbox.pki import ca, ra
from sandbox.pki.models import CertApplication, CertKind
from sandbox.worlds import npc
from sandbox.worlds.base import Scheduled
from seed_data import pki_seed
from seed_data.overlay import make_identities
from tests.conftest import action_log_rows

LOGIN, PASSWORD, OFFICER = "ra100001", "Ra-pass-2026", "审核员甲"
PROBLEMS = ["none", "bad_id", "bad_credit_code", "minor"]


@pytest.fixture(autouse=True)
def _actions() -> None:
    from sandbox import domains

    domains.load_npc_actions()  # ca.npc_applications, and mail.send which the CA's letters use


def _id_number(born: date, region: str = "330106", seq: str = "123") -> str:
    body = f"{region}{born:%Y%m%d}{seq}"
    return body + ric.calc_check_digit(body + "0")


def _application(w, kind: str = CertKind.PERSONAL, **fields: Any) -> CertApplication:  # noqa: ANN001
    """An application stored as given (no form checks), like one entered from paper."""
    values = {
        "name": "李明",
        "id_number": _id_number(date(1990, 5, 17)),
        "email": "li.ming@example.mail.sim",
        "mobile": "13912345678",
    }
    if kind != CertKind.PERSONAL:
        values.update(
            org="恒信商贸有限公司",
            credit_code="91330106MA2H7Q3K5" + uscc.calc_check_digit("91330106MA2H7Q3K5"),
        )
    values.update(fields)
    row = CertApplication(
        number=ca.next_number(w, "SQ", CertApplication),
        kind=kind,
        applicant=values["email"],
        fields=values,
        submitted_at=w.now(),
    )
    w.db.add(row)
    w.db.flush()
    return row


def _failed(checks: list[ra.Check]) -> set[str]:
    return {c.key for c in checks if not c.ok}


# --- services --------------------------------------------------------------------------------------


def test_the_officer_from_the_scenario_signs_in_and_nothing_else_does(w) -> None:  # noqa: ANN001
    spec = {"role": "ra_officer"}
    ident = make_identities(11, [spec])[0]
    assert ident["ra_login"].startswith("ra") and ident["ra_password"]
    pki_seed.overlay(w, [ident], [spec], {})
    officer = ra.authenticate(w, ident["ra_login"], ident["ra_password"])
    assert officer.name == ident["name"] and ident["ra_password"] not in officer.password_hash
    before = len(w.events())
    for login, password in ((ident["ra_login"], "wrong"), ("ra999999", ident["ra_password"]), ("", "")):
        with pytest.raises(DomainError) as refused:
            ra.authenticate(w, login, password)
        assert refused.value.status == 401 and refused.value.key == "账号或密码错误"
    assert len(w.events()) == before  # a refused sign-in records nothing in the world


def test_checks_pass_for_a_good_application(w) -> None:  # noqa: ANN001
    personal = ra.checks(w, _application(w))
    assert {c.key for c in personal} == {"id_number", "age", "email"} and all(c.ok for c in personal)
    enterprise = ra.checks(w, _application(w, CertKind.ENTERPRISE))
    assert {c.key for c in enterprise} == {"id_number", "age", "credit_code", "email", "holder"}
    assert all(c.ok for c in enterprise)
    age = next(c for c in enterprise if c.key == "age")
    assert age.params["date"] == "1990-05-17" and age.params["age"] >= 30


@pytest.mark.parametrize(
    ("kind", "fields", "flagged", "message"),
    [
        (CertKind.PERSONAL, {"id_number": "33010619900517123"}, {"id_number"}, "应为 18 位"),
        (CertKind.PERSONAL, {"id_number": "330106199002301234"}, {"id_number"}, "不存在"),
        (CertKind.PERSONAL, {"email": "li.ming@"}, {"email"}, "不是有效的电子邮箱地址"),
        (CertKind.ENTERPRISE, {"credit_code": "91330106MA2H7Q3K5A"}, {"credit_code"}, "校验码应为"),
        (CertKind.ENTERPRISE, {"credit_code": "9133010"}, {"credit_code"}, "应为 18 位"),
        (CertKind.ENTERPRISE, {"name": ""}, {"holder"}, "企业证书须写明持有人"),
    ],
)
def test_checks_flag_what_is_wrong(w, kind: str, fields: dict, flagged: set, message: str) -> None:  # noqa: ANN001
    checks = ra.checks(w, _application(w, kind, **fields))
    assert _failed(checks) == flagged
    assert any(message in c.message for c in checks if not c.ok)


def test_checks_flag_a_wrong_check_character_and_name_the_right_one(w) -> None:  # noqa: ANN001
    good = _id_number(date(1988, 3, 9))
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    check = next(c for c in ra.checks(w, _application(w, id_number=wrong)) if c.key == "id_number")
    assert not check.ok and check.params == {"expected": good[17], "got": wrong[17]}


def test_a_minor_cannot_hold_an_enterprise_certificate(w) -> None:  # noqa: ANN001
    today = w.now().date()
    minor = _id_number(date(today.year - 17, today.month, min(today.day, 28)))
    enterprise = ra.checks(w, _application(w, CertKind.ENTERPRISE, id_number=minor))
    assert _failed(enterprise) == {"age"}
    age = next(c for c in enterprise if c.key == "age")
    assert age.params["age"] == 17 and "未满 18 周岁" in age.message
    assert not _failed(ra.checks(w, _application(w, CertKind.PERSONAL, id_number=minor)))
    adult = _id_number(date(today.year - 18, today.month, min(today.day, 28)))
    assert not _failed(ra.checks(w, _application(w, CertKind.ENTERPRISE, id_number=adult)))


def test_review_decides_through_the_ca_with_the_officer_as_reviewer(w) -> None:  # noqa: ANN001
    officer = ra.add_officer(w, LOGIN, PASSWORD, OFFICER)
    good, bad = _application(w), _application(w)
    assert ra.review(w, officer, good.number, True) is None  # the code never reaches the console
    assert good.status == "approved" and good.reviewer == LOGIN and good.ref_no
    assert w.events("cert.approved")[-1].payload["reviewer"] == LOGIN
    with pytest.raises(DomainError) as refused:
        ra.review(w, officer, bad.number, False, "   ")
    assert refused.value.key == "驳回时请填写原因" and bad.status == "pending" and bad.decided_at is None
    with pytest.raises(DomainError):
        ra.review(w, officer, bad.number, False, "长" * 201)
    ra.review(w, officer, bad.number, False, "身份证号码与本人不符")
    assert bad.status == "rejected" and bad.reason == "身份证号码与本人不符" and bad.reviewer == LOGIN
    for number, approve in ((good.number, False), (bad.number, True)):
        with pytest.raises(Conflict):
            ra.review(w, officer, number, approve, "再次处理")
    assert [a.number for a in ra.decided(w)][:2] == [bad.number, good.number]


def test_paper_applications_carry_their_problem_and_reach_a_mailbox(w) -> None:  # noqa: ANN001
    from sandbox.mail import services as mail

    npc.ACTIONS["ca.npc_applications"](w, {"problems": PROBLEMS}, None)
    filed = ca.pending(w)[-4:]
    assert [a.kind for a in filed] == [CertKind.ENTERPRISE] * 4
    assert [_failed(ra.checks(w, a)) for a in filed] == [set(), {"id_number"}, {"credit_code"}, {"age"}]
    assert [ca.findings(w, a) != [] for a in filed] == [False, True, True, True]  # the NPC RA sees all three
    for a in filed:
        assert mail.mailbox_by_address(w, a.fields["email"]) is not None and a.applicant == a.fields["email"]
    applied = w.events("cert.applied")[-4:]
    assert [e.payload["application_no"] for e in applied] == [a.number for a in filed]
    assert all(e.payload["channel"] == "paper" for e in applied)
    count = len(ca.pending(w))
    with pytest.raises(DomainError):
        npc.ACTIONS["ca.npc_applications"](w, {"problems": ["none", "typo"]}, None)
    assert len(ca.pending(w)) == count  # a wrong entry files none of them


def test_paper_applications_are_the_same_in_two_copies_of_a_world(template, tmp_path) -> None:  # noqa: ANN001
    import shutil

    from sandbox.worlds.store import open_world

    filed = []
    for copy in ("a", "b"):
        shutil.copy(template, tmp_path / f"{copy}.sqlite")
        world = open_world(tmp_path / f"{copy}.sqlite")
        try:
            rules = [{"at": "+0m", "do": "ca.npc_applications", "args": {"problems": PROBLEMS}}]
            npc.run_due(world, rules)
            filed.append([(a.number, a.applicant, a.fields) for a in ca.pending(world)])
        finally:
            world.close()
    assert len(filed[0]) == 4 and filed[0] == filed[1]
    assert len({f["name"] for _, _, f in filed[0]}) == 4


def test_a_paper_application_mails_its_result_to_the_company(w) -> None:  # noqa: ANN001
    officer = ra.add_officer(w, LOGIN, PASSWORD, OFFICER)
    npc.ACTIONS["ca.npc_applications"](w, {"problems": ["none", "minor"]}, None)
    good, minor = ca.pending(w)[-2:]
    ra.review(w, officer, good.number, True)
    ra.review(w, officer, minor.number, False, "持有人未成年")
    assert npc.run_due(w, []) >= 2
    jobs = w.db.scalars(select(Scheduled).where(Scheduled.action == "mail.send")).all()
    mine = [j for j in jobs if good.number in j.args["subject"] or minor.number in j.args["subject"]]
    assert len(mine) == 2 and all(j.outcome == "ok" for j in mine)


# --- pages -----------------------------------------------------------------------------------------


@dataclass
class Console:
    """A candidate's client with an RA officer in the world and the candidate's own application."""

    candidates: Any
    client: Any

    @property
    def attempt(self):  # noqa: ANN201
        return self.candidates.attempt_of(self.client)

    def world(self, read_only: bool = True):  # noqa: ANN201
        return self.candidates.world(self.client, read_only=read_only)

    def sign_in(self, password: str = PASSWORD):  # noqa: ANN201
        return self.client.post("/ca/ra/login", data={"ra_login": LOGIN, "ra_password": password})

    def application(self, number: str) -> CertApplication:
        w = self.world()
        try:
            row = ca.get_application(w, number)
            w.db.expunge(row)
            return row
        finally:
            w.close()


@pytest.fixture
def console(candidates) -> Console:  # noqa: ANN001
    client = candidates.login()
    ident = candidates.attempt_of(client).identities[0]
    form = {
        "kind": "personal",
        "name": ident["name"],
        "id_number": ident["id_number"],
        "email": ident["email"],
        "mobile": ident["mobile"],
    }
    resp = client.post("/ca/apply", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    w = candidates.world(client, read_only=False)
    try:
        ra.add_officer(w, LOGIN, PASSWORD, OFFICER)
        npc.ACTIONS["ca.npc_applications"](w, {"problems": PROBLEMS}, None)
        w.commit()
    finally:
        w.close()
    c = Console(candidates, client)
    c.own = resp.location.rsplit("/", 1)[1]  # type: ignore[attr-defined]
    c.email = ident["email"]  # type: ignore[attr-defined]
    return c


def _rows(page: str) -> list[str]:
    return re.findall(r'data-role="ra-row" data-application="([^"]+)"', page)


def test_the_console_pages_need_the_ra_login(console) -> None:  # noqa: ANN001
    number = console.own
    for path in ("/ca/ra/", f"/ca/ra/{number}"):
        resp = console.client.get(path)
        assert resp.status_code == 302 and resp.location.endswith("/ca/ra/login")
    for action in ("approve", "reject"):
        resp = console.client.post(f"/ca/ra/{number}/{action}", data={"reason": "x"})
        assert resp.status_code == 302 and resp.location.endswith("/ca/ra/login")
    assert console.application(number).status == "pending"
    page = console.client.get("/ca/ra/login").get_data(as_text=True)
    assert 'id="ra_login"' in page and 'id="ra_password"' in page and 'name="csrf_token"' in page


def test_sign_in_wrong_password_then_right_then_out(console) -> None:  # noqa: ANN001
    resp = console.sign_in("wrong-password")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 401 and "账号或密码错误" in page and f'value="{LOGIN}"' in page
    resp = console.sign_in()
    assert resp.status_code == 302 and resp.location.endswith("/ca/ra/")
    resp = console.client.get("/ca/ra/login")
    assert resp.status_code == 302 and resp.location.endswith("/ca/ra/")
    assert OFFICER in console.client.get("/ca/ra/").get_data(as_text=True)
    assert console.client.post("/ca/ra/logout").status_code == 302
    assert console.client.get("/ca/ra/").status_code == 302
    rows = [r for r in action_log_rows(console.candidates.rt, console.attempt.id) if r.path == "/ca/ra/login"]
    assert [r.status_code for r in rows if r.method == "POST"] == [401, 302]
    for row in rows:
        assert PASSWORD not in repr(row.form) and "wrong-password" not in repr(row.form)
        assert PASSWORD not in (row.outcome or "")
    assert all(r.form["ra_password"] == "***" for r in rows if r.method == "POST")


def test_the_queue_lists_the_candidates_and_the_paper_applications(console) -> None:  # noqa: ANN001
    console.sign_in()
    page = console.client.get("/ca/ra/").get_data(as_text=True)
    rows = _rows(page)
    assert rows[0] == console.own and len(rows) == 5 and 'data-role="no-decided"' in page
    assert f'href="/ca/ra/{console.own}"' in page and 'data-role="ra-review-link"' in page


def test_the_review_page_shows_the_checks(console) -> None:  # noqa: ANN001
    console.sign_in()
    pending = _rows(console.client.get("/ca/ra/").get_data(as_text=True))
    failed = []
    for number in pending:
        page = console.client.get(f"/ca/ra/{number}").get_data(as_text=True)
        assert 'data-role="approve"' in page and 'data-role="reject"' in page and 'name="reason"' in page
        failed.append(re.findall(r'data-check="([a-z_]+)" data-ok="0"', page))
    assert failed == [[], [], ["id_number"], ["credit_code"], ["age"]]
    minor = console.client.get(f"/ca/ra/{pending[4]}").get_data(as_text=True)
    assert "未满 18 周岁" in minor and "不能作为企业证书的持有人" in minor
    assert console.client.get("/ca/ra/SQ2099010199999").status_code == 404


def test_approve_mails_the_codes_and_never_shows_them(console) -> None:  # noqa: ANN001
    console.sign_in()
    resp = console.client.post(f"/ca/ra/{console.own}/approve")
    assert resp.status_code == 302 and resp.location.endswith("/ca/ra/")
    a = console.application(console.own)
    assert a.status == "approved" and a.reviewer == LOGIN and a.ref_no
    w = console.world()
    try:
        job = w.db.scalars(select(Scheduled).where(Scheduled.action == "mail.send")).all()[-1]
        assert job.args["to"] == [console.email] and console.own in job.args["subject"]
        assert w.events("cert.approved")[-1].payload["reviewer"] == LOGIN
    finally:
        w.close()
    code = re.search(r"授权码：([A-Z0-9]{12})", job.args["text"]).group(1)
    queue = console.client.get(resp.location).get_data(as_text=True)
    review = console.client.get(f"/ca/ra/{console.own}").get_data(as_text=True)
    assert f"已批准申请 {console.own}" in queue and 'data-role="reviewer">' + LOGIN in queue
    for page in (queue, review):
        assert code not in page and a.ref_no not in page
    assert 'data-role="approve"' not in review
    w = console.world()
    try:
        from sandbox.mail import services as mail
        from sandbox.mail.models import Message

        box = mail.mailbox_by_address(w, console.email)
        subjects = [m.subject for m in w.db.scalars(select(Message).where(Message.mailbox_id == box.id))]
        assert any(console.own in s and "已通过审核" in s for s in subjects)
    finally:
        w.close()
    for row in action_log_rows(console.candidates.rt, console.attempt.id):
        assert code not in repr(row.form) and code not in (row.outcome or "")


def test_reject_needs_a_reason_and_a_decision_is_made_once(console) -> None:  # noqa: ANN001
    console.sign_in()
    number = console.own
    resp = console.client.post(f"/ca/ra/{number}/reject", data={"reason": "  "})
    assert resp.status_code == 400 and "驳回时请填写原因" in resp.get_data(as_text=True)
    a = console.application(number)
    assert a.status == "pending" and a.decided_at is None and a.reviewer == ""
    resp = console.client.post(f"/ca/ra/{number}/reject", data={"reason": "身份证号码与姓名不符"})
    assert resp.status_code == 302
    a = console.application(number)
    assert a.status == "rejected" and a.reason == "身份证号码与姓名不符" and a.reviewer == LOGIN
    for action in ("approve", "reject"):
        resp = console.client.post(f"/ca/ra/{number}/{action}", data={"reason": "再次"})
        assert resp.status_code == 409 and "该申请已处理" in resp.get_data(as_text=True)
    assert console.application(number).status == "rejected"
    queue = console.client.get("/ca/ra/").get_data(as_text=True)
    assert "身份证号码与姓名不符" in queue and _rows(queue).index(number) == 4  # among the decided


def test_an_ra_scenario_gives_the_console_login_and_paper_applications(tmp_path, templates_dir) -> None:  # noqa: ANN001
    import shutil
    from pathlib import Path

    import yaml

    from sandbox.control import people
    from tests.conftest import make_app

    folder = tmp_path / "scenarios" / "cert-apply-and-mail"
    shutil.copytree(Path(__file__).resolve().parent.parent / "scenarios" / "cert-apply-and-mail", folder)
    data = yaml.safe_load((folder / "scenario.yaml").read_text())
    data["world"]["accounts"] = [{"role": "holder"}, {"role": "ra_officer"}]
    data["world"]["events"] = [{"at": "+0m", "do": "ca.npc_applications", "args": {"problems": PROBLEMS}}]
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    app = make_app(tmp_path / "data", templates_dir, SCENARIOS_DIR=folder.parent)
    try:
        db = app.extensions["sandbox"].control.session()
        exam = people.create_exam(db, "RA-1", "考试", ["cert-apply-and-mail"])
        people.add_candidate(db, exam, "R0001", "考生", "pass1234")
        db.commit()
        db.close()
        client = app.test_client()
        assert (
            client.post("/exam/login", data={"ticket_no": "R0001", "password": "pass1234"}).status_code == 302
        )
        desk = client.get("/exam/").get_data(as_text=True)
        login = re.search(r'data-id="ra_login"><a href="/ca/ra/login">([^<]+)</a>', desk).group(1)
        password = re.search(r'data-id="ra_password">([^<]+)<', desk).group(1)
        resp = client.post("/ca/ra/login", data={"ra_login": login, "ra_password": password})
        assert resp.status_code == 302
        page = client.get("/ca/ra/").get_data(as_text=True)
        assert len(_rows(page)) == 4 and login in page
    finally:
        app.extensions["sandbox"].grading.stop()
