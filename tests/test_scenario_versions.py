"""Scenario versions are kept: an attempt is graded with the version it was taken under.

A copy of b2c-purchase without UI items (so grading needs no Chromium) plus a small checks.py of its
own; a candidate registers and adds the address (25 points), submits, and is graded. Then the
folder changes under the running app: v3 with other points and a changed checks.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from graders.runner import grade_attempt
from sandbox.__main__ import cli
from sandbox.control import people
from sandbox.control.models import Attempt, GradeRun, StaffRole
from sandbox.scenarios.loader import ScenarioCatalog, folder_digest
from sandbox.scenarios.versions import VersionRefused, attempt_scenario, grading_problems, version_folder
from tests.conftest import make_app, shop_member, without_ui_items

ID = "b2c-purchase"
REAL = Path(__file__).resolve().parent.parent / "scenarios" / ID

CHECKS_PY = '''
from graders.checks import CheckResult, check


@check("state", "versions.marker")
def marker(ctx):
    """Which checks.py ran."""
    return CheckResult({fraction}, "{label}")
'''


def _yaml(folder: Path) -> dict:
    return yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))


def _write_yaml(folder: Path, data: dict) -> None:
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The scenario copy: no UI items (nor items requiring one), plus a 5-point item of its checks.py."""
    dest = tmp_path / "scenarios" / ID
    shutil.copytree(REAL, dest, ignore=shutil.ignore_patterns("__pycache__"))
    data = _yaml(dest)
    kept = without_ui_items(data["rubric"])
    marker = {"id": "marker", "points": 5, "text": {"zh": "标记", "en": "Marker"}}
    data["rubric"] = [*kept, {**marker, "check": {"kind": "state", "name": "versions.marker"}}]
    data["version"] = 2
    _write_yaml(dest, data)
    (dest / "checks.py").write_text(CHECKS_PY.format(fraction=1.0, label="checks v2"), encoding="utf-8")
    return dest


@pytest.fixture
def app(tmp_path: Path, templates_dir: Path, folder: Path):  # noqa: ANN201
    app = make_app(tmp_path / "data", templates_dir, SCENARIOS_DIR=folder.parent)
    db = app.extensions["sandbox"].control.session()
    exam = people.create_exam(db, "V-1", "版本测试", [ID])
    people.add_candidate(db, exam, "V0001", "考生甲", "pass1234")
    db.commit()
    people.create_staff(db, "examiner", "考评员", StaffRole.EXAMINER, "exam1234")
    db.close()
    yield app
    app.extensions["sandbox"].grading.stop()


@pytest.fixture
def rt(app):  # noqa: ANN001, ANN201
    return app.extensions["sandbox"]


def _attempt(rt, attempt_id: int) -> Attempt:  # noqa: ANN001
    db = rt.control.session()
    try:
        attempt = db.get(Attempt, attempt_id)
        _ = attempt.grade_runs  # loaded while the session is open
        return attempt
    finally:
        db.close()


def _runs(rt, attempt_id: int) -> list[GradeRun]:  # noqa: ANN001
    db = rt.control.session()
    try:
        runs = list(
            db.scalars(select(GradeRun).where(GradeRun.attempt_id == attempt_id).order_by(GradeRun.id))
        )
        for run in runs:
            _ = run.items
        return runs
    finally:
        db.close()


@pytest.fixture
def taken(app, rt) -> Attempt:  # noqa: ANN001
    """An attempt under v2: registered with the right phone, the address added, an answer saved;
    submitted and graded by the queue (25 + 15 points... see `first_score`)."""
    client = app.test_client()
    assert client.post("/exam/login", data={"ticket_no": "V0001", "password": "pass1234"}).status_code == 302
    assert client.get("/exam/").status_code == 200
    with client.session_transaction() as sess:
        attempt = _attempt(rt, sess["attempt_id"])
    address = attempt.params["address"]
    shop_member(client, phone=address["phone"])
    assert client.post("/shop/addresses", data=address).status_code == 302
    assert client.post("/exam/answers", data={"order_no": "D-NOT-AN-ORDER"}).status_code == 302
    assert client.post("/exam/submit", data={"confirm": "yes"}).status_code == 302
    rt.grading.join()
    return _attempt(rt, attempt.id)


def _examiner(app):  # noqa: ANN001, ANN201
    client = app.test_client()
    assert (
        client.post("/staff/login", data={"username": "examiner", "password": "exam1234"}).status_code == 302
    )
    return client


def _bump(folder: Path, *, registered: int = 30, address: int = 5, marker_fraction: float = 0.0) -> None:
    """v3: other points for two items, and the marker check now fails."""
    data = _yaml(folder)
    data["version"] = 3
    for item in data["rubric"]:
        item["points"] = {"registered": registered, "address": address}.get(item["id"], item["points"])
    _write_yaml(folder, data)
    (folder / "checks.py").write_text(CHECKS_PY.format(fraction=marker_fraction, label="checks v3"), "utf-8")


def _by_id(run: GradeRun) -> dict:
    return {i.item_id: i for i in run.items}


def test_attempt_keeps_the_version_it_was_taken_under(rt, folder: Path, taken: Attempt) -> None:
    current = rt.scenarios.get(ID)
    assert taken.scenario_version == 2 and taken.scenario_digest == current.digest == folder_digest(folder)
    kept = version_folder(rt, ID, 2, taken.scenario_digest)
    assert kept == Path(rt.config["DATA_DIR"]) / "scenario-versions" / ID / f"v2-{taken.scenario_digest}" / ID
    assert folder_digest(kept) == taken.scenario_digest
    assert (kept / "checks.py").read_text() == (folder / "checks.py").read_text()
    assert not list(kept.rglob("__pycache__"))  # grading the kept copy wrote no bytecode into it

    [run] = _runs(rt, taken.id)
    assert run.status == "done" and (run.scenario_version, run.rubric_source) == (2, "attempt")
    assert run.scenario_digest == taken.scenario_digest
    items = _by_id(run)
    assert items["registered"].points == 10 and items["address"].points == 15
    assert items["marker"].status == "passed" and items["marker"].feedback == "checks v2"
    assert taken.score == run.score == 30


def test_digest_covers_every_file_but_bytecode(folder: Path) -> None:
    before = folder_digest(folder)
    (folder / "__pycache__").mkdir(exist_ok=True)
    (folder / "__pycache__" / "steps.cpython-312.pyc").write_bytes(b"\0junk")
    assert folder_digest(folder) == before
    with (folder / "steps.py").open("a", encoding="utf-8") as fh:
        fh.write("\n# a comment\n")
    assert folder_digest(folder) != before


def test_running_app_sees_a_changed_folder_without_restart(app, rt, folder: Path, taken: Attempt) -> None:
    before = rt.scenarios.get(ID)
    assert rt.scenarios.get(ID) is before  # unchanged: the loaded scenario is reused
    _bump(folder)
    after = rt.scenarios.get(ID)
    assert (after.version, after.digest) == (3, folder_digest(folder)) and after.digest != before.digest
    assert {i["id"]: i["points"] for i in after.rubric}["registered"] == 30

    # Only a file beside scenario.yaml changes: a new digest as well.
    with (folder / "steps.py").open("a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    edited = rt.scenarios.get(ID)
    assert edited.version == 3 and edited.digest != after.digest

    # A half-saved edit that does not load: the last good version is kept, not an error page.
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    (folder / "scenario.yaml").write_text(text.replace("minutes:", "minutes: [", 1), encoding="utf-8")
    assert rt.scenarios.get(ID) is edited
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    assert rt.scenarios.get(ID).digest == edited.digest

    page = _examiner(app).get(f"/examiner/attempts/{taken.id}").get_data(as_text=True)
    assert 'name="version" value="attempt" checked' in page
    assert "按考生作答时的版本重新评分 (v2)" in page and "按当前版本重新评分 (v3)" in page


def test_no_version_choice_while_the_folder_is_unchanged(app, taken: Attempt) -> None:
    page = _examiner(app).get(f"/examiner/attempts/{taken.id}").get_data(as_text=True)
    assert 'name="version"' not in page and "重新评分" in page
    assert 'data-role="run-version"' in page and "按考生作答时的版本" in page and "即现行版本" in page


def test_regrade_uses_the_attempts_version_by_default(app, rt, folder: Path, taken: Attempt) -> None:
    first = _runs(rt, taken.id)[-1]
    _bump(folder)
    client = _examiner(app)
    assert client.post(f"/examiner/attempts/{taken.id}/regrade").status_code == 302
    rt.grading.join()
    run = _runs(rt, taken.id)[-1]
    assert run.triggered_by == "regrade" and run.status == "done"
    assert (run.scenario_version, run.scenario_digest, run.rubric_source) == (
        2,
        taken.scenario_digest,
        "attempt",
    )
    assert run.score == first.score == 30 and _by_id(run)["marker"].feedback == "checks v2"
    doc = json.loads(Path(run.result_path).read_text())
    assert (doc["scenario_version"], doc["scenario_digest"]) == (2, taken.scenario_digest)
    assert (doc["rubric_version"], doc["rubric_digest"], doc["rubric_source"]) == (
        2,
        taken.scenario_digest,
        "attempt",
    )
    page = client.get(f"/examiner/attempts/{taken.id}").get_data(as_text=True)
    assert "按考生作答时的版本" in page and "即现行版本" not in page.split('data-role="run-version"')[1][:400]


def test_regrade_with_the_current_version_on_request(app, rt, folder: Path, taken: Attempt) -> None:  # noqa: ANN001
    _bump(folder)
    current = rt.scenarios.get(ID)
    client = _examiner(app)
    resp = client.post(f"/examiner/attempts/{taken.id}/regrade", data={"version": "current"})
    assert resp.status_code == 302
    rt.grading.join()
    run = _runs(rt, taken.id)[-1]
    assert run.triggered_by == "regrade" and run.status == "done"
    assert (run.scenario_version, run.scenario_digest, run.rubric_source) == (3, current.digest, "current")
    items = _by_id(run)
    assert items["registered"].points == 30 and items["address"].points == 5
    assert items["marker"].status == "failed" and items["marker"].feedback == "checks v3"
    assert run.score == 35 and _attempt(rt, taken.id).score == 35
    doc = json.loads(Path(run.result_path).read_text())
    assert (doc["scenario_version"], doc["scenario_digest"]) == (2, taken.scenario_digest)
    assert (doc["rubric_version"], doc["rubric_digest"], doc["rubric_source"]) == (
        3,
        current.digest,
        "current",
    )
    # The version that graded it is kept too, and the page says it was the current one.
    assert folder_digest(version_folder(rt, ID, 3, current.digest)) == current.digest
    header = (
        client.get(f"/examiner/attempts/{taken.id}")
        .get_data(as_text=True)
        .split('data-role="run-version"')[1]
    )
    assert "按评分时的当前版本" in header[:400] and "即现行版本" in header[:400]

    # And back: the default again grades with the attempt's own version and its checks.py.
    again = grade_attempt(rt, taken.id, "test")
    assert again.rubric_source == "attempt" and again.score == 30
    assert _by_id(again)["marker"].feedback == "checks v2"


def _incompatible(folder: Path) -> None:
    """v3 with a new parameter used in a rubric arg, and an answer field v2 never had."""
    data = _yaml(folder)
    data["version"] = 3
    data["params"]["coupon"] = {"int": [100, 999]}
    data["tasks"][-1].setdefault("answers", []).append(
        {"id": "coupon_code", "label": {"zh": "优惠码", "en": "Coupon"}, "type": "text"}
    )
    data["rubric"].append(
        {
            "id": "coupon",
            "points": 10,
            "text": {"zh": "填写了优惠码", "en": "Coupon written"},
            "check": {
                "kind": "answer",
                "name": "answer.equals",
                "args": {"field": "coupon_code", "expected": "{{ coupon }}"},
            },
        }
    )
    _write_yaml(folder, data)


def test_a_version_that_cannot_grade_the_attempt_is_refused(
    app, rt, folder: Path, taken: Attempt, monkeypatch
) -> None:  # noqa: ANN001
    _incompatible(folder)
    current = rt.scenarios.get(ID)
    assert current.version == 3
    problems = grading_problems(current, taken)
    assert problems == [
        "rubric/coupon/check/args/expected: {{ coupon }}",
        "rubric/coupon/check/args/field: answers.coupon_code",
    ]
    runs_before = len(_runs(rt, taken.id))

    with pytest.raises(VersionRefused) as refused:
        grade_attempt(rt, taken.id, "test", use_current=True)
    assert (
        refused.value.status == 409 and "coupon" in str(refused.value) and "coupon_code" in str(refused.value)
    )
    assert len(_runs(rt, taken.id)) == runs_before  # nothing stored
    assert _attempt(rt, taken.id).score == 30

    queued: list = []
    monkeypatch.setattr(rt.grading, "enqueue", lambda *a, **k: queued.append((a, k)))
    client = _examiner(app)
    resp = client.post(f"/examiner/attempts/{taken.id}/regrade", data={"version": "current"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and 'class="flash error"' in page
    assert (
        "不能评定这份作答（作答时为 v2）" in page and "{{ coupon }}" in page and "answers.coupon_code" in page
    )
    client.get("/lang/en")
    english = client.post(f"/examiner/attempts/{taken.id}/regrade", data={"version": "current"})
    assert english.status_code == 409 and "cannot grade this attempt (taken under v2)" in english.get_data(
        as_text=True
    )
    assert queued == [] and len(_runs(rt, taken.id)) == runs_before

    # The attempt's own version still grades it.
    run = grade_attempt(rt, taken.id, "test")
    assert run.rubric_source == "attempt" and run.score == 30


def test_pages_can_show_the_attempts_own_version(rt, folder: Path, taken: Attempt) -> None:
    before = rt.scenarios.get(ID)
    assert attempt_scenario(rt, taken) is before  # unchanged: the catalogue's own object
    _incompatible(folder)  # v3's texts and rubric would not even render for this attempt
    shown = attempt_scenario(rt, taken)
    assert (shown.version, shown.digest) == (2, taken.scenario_digest)
    assert attempt_scenario(rt, taken) is shown  # loaded once
    assert shown.task_texts(taken.params) and shown.answer_fields() == before.answer_fields()


def test_attempt_from_before_versions_were_kept_is_graded_with_the_current_one(rt, taken: Attempt) -> None:
    db = rt.control.session()
    db.get(Attempt, taken.id).scenario_digest = None
    db.commit()
    db.close()
    run = grade_attempt(rt, taken.id, "test")
    current = rt.scenarios.get(ID)
    assert (run.rubric_source, run.scenario_digest) == ("current", current.digest)
    doc = json.loads(Path(run.result_path).read_text())
    assert doc["scenario_digest"] is None and "before scenario versions were kept" in doc["rubric_note"]


def test_cli_and_examiner_store_the_same_result(
    app, rt, folder: Path, taken: Attempt, templates_dir: Path, tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    _bump(folder)
    rt.scenarios.get(ID)  # the examiner's process has seen v3
    assert _examiner(app).post(f"/examiner/attempts/{taken.id}/regrade").status_code == 302
    rt.grading.join()
    by_examiner = _runs(rt, taken.id)[-1]

    class NoBrowser:  # the scenario has no UI items: the CLI's browser is never used
        def __init__(self, app, chromium=""):  # noqa: ANN001
            pass

        def close(self) -> None:
            pass

    monkeypatch.setattr("graders.browser.GradingBrowser", NoBrowser)
    monkeypatch.setenv("SANDBOX_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SANDBOX_DATA", str(rt.config["DATA_DIR"]))
    monkeypatch.setenv("SANDBOX_TEMPLATES", str(templates_dir))
    monkeypatch.setenv("SANDBOX_SCENARIOS", str(folder.parent))
    result = CliRunner().invoke(cli, ["grade", str(taken.id)])
    assert result.exit_code == 0, result.output
    by_cli = _runs(rt, taken.id)[-1]
    assert by_cli.id != by_examiner.id and by_cli.triggered_by == "cli"

    def stored(run: GradeRun) -> tuple:
        doc = json.loads(Path(run.result_path).read_text())
        return (
            run.status,
            run.score,
            run.max_score,
            run.world_hash,
            run.scenario_version,
            run.scenario_digest,
            run.rubric_source,
            [(i.item_id, i.points, i.max_points, i.status, i.feedback) for i in run.items],
            {
                k: doc[k]
                for k in ("score", "scenario_version", "scenario_digest", "rubric_version", "rubric_digest")
            },
        )

    assert stored(by_cli) == stored(by_examiner)
    assert by_cli.score == 30 and by_cli.rubric_source == "attempt"


def test_catalog_reloads_only_what_changed(tmp_path: Path) -> None:
    shutil.copytree(REAL, tmp_path / ID, ignore=shutil.ignore_patterns("__pycache__"))
    catalog = ScenarioCatalog(tmp_path)
    first = catalog.get(ID)
    (tmp_path / ID / "solution.py").touch()  # touched, same content: same object, no reload
    assert catalog.get(ID) is first
    (tmp_path / ID / "scenario.yaml").unlink()
    with pytest.raises(KeyError):
        catalog.get(ID)
    for bad in ("../" + ID, "x" * 300, "a\0b", ".", ""):
        with pytest.raises(KeyError):
            catalog.get(bad)


def test_grading_problems_reports_task_texts_and_nested_params(folder: Path) -> None:
    data = _yaml(folder)
    data["params"]["gift"] = {"int": [1, 3]}
    data["tasks"][0]["text"]["zh"] += "（赠品 {{ gift }} 件）"
    registered = next(i for i in data["rubric"] if i["id"] == "registered")
    registered["check"]["args"] = {"phone": "{{ address.mobile }}"}
    _write_yaml(folder, data)
    scenario = ScenarioCatalog(folder.parent).get(ID)

    class Old:
        params = {"address": {"phone": "13800000000"}, "quantity": 2, "product": {"sku": "X"}}
        answers: dict = {}

    problems = grading_problems(scenario, Old())
    assert "rubric/registered/check/args/phone: {{ address.mobile }}" in problems
    assert "tasks/register/text/zh: {{ gift }}" in problems
    assert not any("answers." in p for p in problems)  # no answers saved, no answer fields known


def test_a_candidate_mid_exam_keeps_the_version_they_started(app, rt, folder: Path) -> None:  # noqa: ANN001
    """A version bump (here with a new parameter in the task text) does not reach running attempts."""
    client = app.test_client()
    assert client.post("/exam/login", data={"ticket_no": "V0001", "password": "pass1234"}).status_code == 302
    before = client.get("/exam/").get_data(as_text=True)
    _incompatible(folder)
    data = _yaml(folder)
    data["tasks"][0]["text"]["zh"] = "新版本任务：优惠码 {{ coupon }}"
    _write_yaml(folder, data)
    assert rt.scenarios.get(ID).version == 3
    page = client.get("/exam/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "新版本任务" not in text and "优惠码" not in text
    assert text.count("task") == before.count("task")
    answers = client.get("/exam/answers").get_data(as_text=True)
    assert "coupon_code" not in answers  # the answer sheet is the attempt's own version's too
