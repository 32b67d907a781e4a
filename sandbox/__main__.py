"""`python -m sandbox …`: set up, serve, manage exams, grade, validate and verify scenarios."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click
from sqlalchemy import select

from sandbox import create_app

DEMO = {
    "exam_code": "DEMO-2026",
    "exam_title": "2026年电子商务员实操考试（演示）",
    "candidates": [
        ("2026010001", "张三", "demo1234"),
        ("2026010002", "李四", "demo1234"),
        ("2026010003", "王五", "demo1234"),
    ],
    "examiner": ("examiner", "考评员 陈老师", "examiner123"),
    "trainee": ("trainee", "学员 小林", "trainee123"),
}


@click.group()
def cli() -> None:
    """EC Practical Sandbox (电子商务师实操考试沙箱)."""


def _rt(app):  # noqa: ANN001, ANN202
    return app.extensions["sandbox"]


@cli.command("init-db")
@click.option("--demo", is_flag=True, help="Also create the demo exam, candidates, examiner and trainee.")
def init_db(demo: bool) -> None:
    """Create the control database (and demo data); safe to run again."""
    from sandbox.control import people
    from sandbox.control.attempts import template_for
    from sandbox.control.models import Exam, Staff, StaffRole

    app = create_app()
    rt = _rt(app)
    click.echo(f"control database: {app.config['CONTROL_DB_URL']}")
    if not demo:
        return
    db = rt.control.session()
    try:
        if not db.scalars(select(Exam).where(Exam.code == DEMO["exam_code"])).first():
            exam = people.create_exam(db, DEMO["exam_code"], DEMO["exam_title"], ["b2c-purchase"])
            for ticket, name, password in DEMO["candidates"]:
                people.add_candidate(db, exam, ticket, name, password)
            db.commit()
        for (username, display, password), role in (
            (DEMO["examiner"], StaffRole.EXAMINER),
            (DEMO["trainee"], StaffRole.TRAINEE),
        ):
            if not db.scalars(select(Staff).where(Staff.username == username)).first():
                people.create_staff(db, username, display, role, password)
    finally:
        db.close()
    for scenario in rt.scenarios.all():
        _, built = template_for(rt, scenario)
        if built is not None:
            click.echo(f"built world template for {scenario.id} in {built * 1000:.0f} ms")
    base = f"http://{app.config['HOST']}:{app.config['PORT']}"
    click.echo("")
    click.echo(f"  Sandbox:   {base}/")
    click.echo(
        f"  Candidate: {base}/exam/login   ticket {DEMO['candidates'][0][0]} / password {DEMO['candidates'][0][2]}"
    )
    click.echo(f"  Examiner:  {base}/staff/login  {DEMO['examiner'][0]} / {DEMO['examiner'][2]}")
    click.echo(
        f"  Trainee:   {base}/staff/login  {DEMO['trainee'][0]} / {DEMO['trainee'][2]}  (practice mode)"
    )
    click.echo("")


@cli.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
def serve(host: str | None, port: int | None) -> None:
    """Serve the sandbox (threaded; grading runs in-process)."""
    app = create_app()
    _rt(app).grading.start_background()
    app.run(
        host=host or app.config["HOST"], port=port or app.config["PORT"], threaded=True, use_reloader=False
    )


@cli.group()
def exam() -> None:
    """Manage exams."""


@exam.command("create")
@click.argument("code")
@click.option("--title", required=True)
@click.option("--scenario", "scenarios", multiple=True, required=True, help="Scenario id (repeatable).")
def exam_create(code: str, title: str, scenarios: tuple[str, ...]) -> None:
    """Create an exam over one or more scenarios."""
    from sandbox.control import people
    from sandbox.errors import DomainError

    app = create_app()
    rt = _rt(app)
    unknown = [s for s in scenarios if s not in rt.scenarios.ids()]
    if unknown:
        raise click.ClickException(f"unknown scenario(s): {', '.join(unknown)}")
    db = rt.control.session()
    try:
        exam_row = people.create_exam(db, code, title, list(scenarios))
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"exam {exam_row.code} created (id {exam_row.id})")


@exam.command("import-candidates")
@click.argument("code")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def exam_import(code: str, csv_file: Path) -> None:
    """Import candidates (CSV columns ticket_no,name,password) into exam CODE."""
    from sandbox.control import people
    from sandbox.control.models import Exam
    from sandbox.errors import DomainError

    app = create_app()
    db = _rt(app).control.session()
    try:
        exam_row = db.scalars(select(Exam).where(Exam.code == code)).first()
        if exam_row is None:
            raise click.ClickException(f"no exam {code}")
        count = people.import_candidates(db, exam_row, csv_file)
    except DomainError as exc:
        db.rollback()
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"imported {count} candidates into {code}")


@cli.command()
@click.argument("attempt_id", type=int)
def grade(attempt_id: int) -> None:
    """Grade one attempt now and print its result."""
    from graders.browser import GradingBrowser
    from graders.runner import grade_attempt

    app = create_app()
    browser = GradingBrowser(app, app.config.get("CHROMIUM", ""))
    try:
        run = grade_attempt(_rt(app), attempt_id, "cli", browser)
    finally:
        browser.close()
    for item in run.items:
        click.echo(
            f"{item.item_id:20} {item.points:6g}/{item.max_points:<4g} {item.status:8} {item.feedback}"
        )
    click.echo(f"total {run.score:g}/{run.max_score:g}  ({run.result_path})")


@cli.group()
def scenarios() -> None:
    """List, validate and verify scenarios."""


@scenarios.command("list")
def scenarios_list() -> None:
    """List scenario folders."""
    app = create_app()
    for s in _rt(app).scenarios.all():
        click.echo(f"{s.id:24} v{s.version}  {s.data['level']:8} {s.minutes:3} min  {s.title()}")


@scenarios.command("validate")
@click.argument("ids", nargs=-1)
def scenarios_validate(ids: tuple[str, ...]) -> None:
    """Validate scenario files against the schema and the registered checks."""
    from graders.checks import known_checks
    from sandbox.config import from_env
    from sandbox.scenarios.loader import ScenarioError, load_scenario

    root = Path(from_env()["SCENARIOS_DIR"])
    folders = [root / i for i in ids] if ids else sorted(p for p in root.iterdir() if p.is_dir())
    checks = known_checks()
    bad = 0
    for folder in folders:
        try:
            load_scenario(folder, checks)
            click.echo(f"ok      {folder.name}")
        except ScenarioError as exc:
            bad += 1
            click.echo(f"INVALID {exc}", err=True)
    sys.exit(1 if bad else 0)


@scenarios.command("verify")
@click.argument("scenario_id")
@click.option("--seeds", default=3, show_default=True, help="How many seeds to try.")
def scenarios_verify(scenario_id: str, seeds: int) -> None:
    """Empty attempt scores 0, reference solution full marks, each partial its declared score."""
    from graders.checks import known_checks
    from graders.harness import Harness, expected_score, load_solution
    from sandbox.config import from_env
    from sandbox.scenarios.loader import ScenarioError, load_scenario

    root = Path(from_env()["SCENARIOS_DIR"])
    try:
        scenario = load_scenario(root / scenario_id, known_checks())
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from None
    keep = Path(from_env()["INSTANCE_DIR"]) / "verify-failures"
    with tempfile.TemporaryDirectory(prefix="sandbox-verify-") as tmp:
        data = Path(tmp)
        app = create_app({"DATA_DIR": data, "CONTROL_DB_URL": f"sqlite:///{data / 'control.sqlite'}"})
        harness = Harness(app)
        failures = 0
        try:
            solutions = [(None, 0.0, "empty")]
            ref = load_solution(scenario.folder / "solution.py")
            solutions.append((scenario.folder / "solution.py", expected_score(ref, scenario), "reference"))
            for path in sorted((scenario.folder / "tests").glob("*.py")):
                solutions.append((path, expected_score(load_solution(path), scenario), path.stem))
            for seed in range(1, seeds + 1):
                for path, expected, label in solutions:
                    attempt = harness.new_attempt(scenario.id, seed)
                    if path is not None:
                        try:
                            harness.solve(attempt, path)
                        except Exception as exc:  # report it and go on with the other solutions
                            failures += 1
                            kept = keep / f"{scenario.id}-seed{seed}-{label}.png"
                            kept.parent.mkdir(parents=True, exist_ok=True)
                            shutil.copyfile(harness.last_failure, kept)
                            click.echo(
                                f"seed {seed}  {label:16} FAIL: the solution stopped: {exc.__class__.__name__}: {exc}"
                            )
                            click.echo(f"          screenshot of where it stopped: {kept}")
                            continue
                    harness.submit(attempt)
                    run = harness.grade(attempt)
                    ok = abs(run.score - expected) < 0.01
                    failures += 0 if ok else 1
                    click.echo(
                        f"seed {seed}  {label:16} {run.score:6g} / {run.max_score:g}  expected {expected:g}  {'ok' if ok else 'FAIL'}"
                    )
                    if not ok:
                        for item in run.items:
                            click.echo(
                                f"          {item.item_id:18} {item.points:g}/{item.max_points:g} {item.feedback}"
                            )
        finally:
            harness.close()
    if failures:
        raise click.ClickException(f"{failures} check(s) did not score as declared")
    click.echo(f"{scenario.id}: verified for {seeds} seed(s)")


if __name__ == "__main__":
    cli()
