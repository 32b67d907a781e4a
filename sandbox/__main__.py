"""`python -m sandbox …`: set up, serve, manage exams, grade, validate and verify scenarios."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click
from sqlalchemy import select

from sandbox import create_app
from sandbox.runtime import freeze_startup_heap

DEMO = {
    "exam_code": "DEMO-2026",
    "exam_title": "2026年电子商务员职业技能考试（演示：理论+实操）",
    "candidates": [
        ("2026010001", "张三", "demo1234"),
        ("2026010002", "李四", "demo1234"),
        ("2026010003", "王五", "demo1234"),
    ],
    "examiner": ("examiner", "考评员 陈老师", "examiner123"),
    "trainee": ("trainee", "学员 小林", "trainee123"),
    "admin": ("admin", "考务 周老师", "admin123"),
    # The whole examination: a 20-question theory paper and the b2c-purchase practical part.
    "rooms": [("第1考场", "01"), ("第1考场", "02"), ("第2考场", "01")],
    "theory_rules": {
        "levels": ["电子商务员"],
        "draw": [
            {"type": "single", "count": 10},
            {"type": "multi", "count": 5},
            {"type": "judge", "count": 5},
        ],
        "points": {"single": 4, "multi": 6, "judge": 6},
        "multi_partial": False,
        "shuffle_options": True,
    },
}


def _demo_whole_exam(db, exam) -> None:  # noqa: ANN001
    """Make the demo exam a whole examination: theory (20 questions, 100 points) and practical parts,
    rooms and seats. An older demo database (practical part only) is brought up to date."""
    if exam.theory_rules:
        return
    exam.level, exam.kind = "电子商务员", "final"
    exam.theory_rules, exam.theory_minutes = DEMO["theory_rules"], 90
    exam.scenario_weights = {sid: round(100 / len(exam.scenario_ids), 2) for sid in exam.scenario_ids}
    exam.theory_pass = exam.practical_pass = 60
    for candidate, (room, seat) in zip(exam.candidates, DEMO["rooms"], strict=False):
        candidate.room, candidate.seat = room, seat
    db.commit()


@click.group()
def cli() -> None:
    """EC Practical Sandbox (电子商务师实操考试沙箱)."""


from sandbox.control.db_cli import db  # noqa: E402
from sandbox.theory.cli import theory  # noqa: E402

cli.add_command(theory)
cli.add_command(db)


def _rt(app):  # noqa: ANN001, ANN202
    return app.extensions["sandbox"]


@cli.command("init-db")
@click.option("--demo", is_flag=True, help="Also create the demo exam, candidates, examiner and trainee.")
def init_db(demo: bool) -> None:
    """Create the control database (and demo data); safe to run again."""
    from sandbox.control import people
    from sandbox.control.attempts import template_for
    from sandbox.control.models import Exam, Staff, StaffRole
    from sandbox.theory.bank import load_starter

    app = create_app()
    rt = _rt(app)
    click.echo(f"control database: {app.config['CONTROL_DB_URL']}")
    db = rt.control.session()
    try:
        added = load_starter(db)
        if added:
            click.echo(f"theory bank: {added} starter questions added")
    finally:
        db.close()
    if not demo:
        return
    db = rt.control.session()
    try:
        exam = db.scalars(select(Exam).where(Exam.code == DEMO["exam_code"])).first()
        if exam is None:
            exam = people.create_exam(db, DEMO["exam_code"], DEMO["exam_title"], ["b2c-purchase"])
            for ticket, name, password in DEMO["candidates"]:
                people.add_candidate(db, exam, ticket, name, password)
            db.commit()
        _demo_whole_exam(db, exam)
        for (username, display, password), role in (
            (DEMO["examiner"], StaffRole.EXAMINER),
            (DEMO["trainee"], StaffRole.TRAINEE),
            (DEMO["admin"], StaffRole.ADMIN),
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
        "  (theory + practical)"
    )
    click.echo(f"  Examiner:  {base}/staff/login  {DEMO['examiner'][0]} / {DEMO['examiner'][2]}")
    click.echo(
        f"  Exam admin: {base}/staff/login  {DEMO['admin'][0]} / {DEMO['admin'][2]}  (exams, rosters, proctoring)"
    )
    click.echo(f"  Certificate lookup (public): {base}/certificates/verify")
    click.echo(
        f"  Trainee:   {base}/staff/login  {DEMO['trainee'][0]} / {DEMO['trainee'][2]}  (practice mode)"
    )
    click.echo("")


@cli.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@click.option(
    "--workers",
    default=0,
    type=click.IntRange(min=0),
    help="gunicorn worker processes (0: the embedded threaded server, one process).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(min=1), help="Threads per worker."
)
def serve(host: str | None, port: int | None, workers: int, threads: int) -> None:
    """Serve the sandbox: embedded (threaded, grading in-process) or gunicorn with --workers N."""
    if workers:
        from sandbox.server import run_gunicorn

        run_gunicorn(host, port, workers, threads)
        return
    app = create_app()
    _rt(app).grading.start_background()
    freeze_startup_heap()
    app.run(
        host=host or app.config["HOST"], port=port or app.config["PORT"], threaded=True, use_reloader=False
    )


@cli.group()
def worlds() -> None:
    """Prepare the world store."""


@worlds.command("warm")
@click.argument("code")
@click.option(
    "--count",
    default=None,
    type=click.IntRange(min=0),
    help="Spares per scenario (default: one per candidate).",
)
def worlds_warm(code: str, count: int | None) -> None:
    """Before exam CODE opens: build its scenarios' templates, and on PostgreSQL copy a spare world
    per candidate, so that starting an attempt takes a ready copy instead of making one."""
    from sandbox.control.attempts import template_for
    from sandbox.control.models import Candidate, Exam

    rt = _rt(create_app())
    db = rt.control.session()
    try:
        exam_row = db.scalars(select(Exam).where(Exam.code == code)).first()
        if exam_row is None:
            raise click.ClickException(f"no exam {code}")
        seats = db.query(Candidate).filter(Candidate.exam_id == exam_row.id).count()
        scenario_ids = list(exam_row.scenario_ids or [])
    finally:
        db.close()
    for scenario_id in scenario_ids:
        template, built = template_for(rt, rt.scenarios.get(scenario_id))
        state = f"built in {built:.1f} s" if built else "ready"
        line = f"{scenario_id}: template {state}"
        if rt.store.kind == "postgresql":
            made = rt.store.prepare_spares(template, seats if count is None else count)
            line += f", {made} spare world(s) made, {len(rt.store.spares(template))} ready"
        click.echo(line)


@cli.command("grading-worker")
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--loglevel", default="info", show_default=True)
def grading_worker(concurrency: int, loglevel: str) -> None:
    """A Celery grading worker (needs SANDBOX_CELERY_BROKER): each process holds one Chromium."""
    import os

    if not os.environ.get("SANDBOX_CELERY_BROKER"):
        raise click.ClickException("SANDBOX_CELERY_BROKER is not set (e.g. redis://127.0.0.1:6379/0)")
    from sandbox.celery_worker import app as celery

    celery.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            "--pool=prefork",
            "-Q",
            "sandbox-grading",
        ]
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
@click.option(
    "--current",
    is_flag=True,
    help="Grade with the scenario as it is now, not the version the attempt was taken under.",
)
def grade(attempt_id: int, current: bool) -> None:
    """Grade one attempt now and print its result."""
    from graders.drivers import grading_browser
    from graders.runner import grade_attempt
    from sandbox.control.models import Attempt
    from sandbox.control.reconcile import reconcile_attempt
    from sandbox.errors import DomainError

    app = create_app()
    rt = _rt(app)
    db = rt.control.session()
    try:
        if db.get(Attempt, attempt_id) is None:
            raise click.ClickException(f"no attempt {attempt_id}")
    finally:
        db.close()
    reconcile_attempt(rt, attempt_id)  # the examiner's timeline holds every change the world holds
    browser = grading_browser(app)
    try:
        run = grade_attempt(rt, attempt_id, "cli", browser, use_current=current)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        browser.close()
    for item in run.items:
        click.echo(
            f"{item.item_id:20} {item.points:6g}/{item.max_points:<4g} {item.status:8} {item.feedback}"
        )
    click.echo(f"total {run.score:g}/{run.max_score:g}  ({run.result_path})")
    click.echo(f"rubric: v{run.scenario_version} {run.scenario_digest or ''} ({run.rubric_source})")


@cli.group()
def scenarios() -> None:
    """List, create, validate, preview and verify scenarios."""


@scenarios.command("list")
def scenarios_list() -> None:
    """List scenario folders."""
    app = create_app()
    for s in _rt(app).scenarios.all():
        click.echo(f"{s.id:24} v{s.version}  {s.data['level']:8} {s.minutes:3} min  {s.title()}")


def _scenarios_root() -> Path:
    from sandbox.config import from_env

    return Path(from_env()["SCENARIOS_DIR"])


def _load_checked(folder: Path):  # noqa: ANN202
    """A scenario validated against the built-in checks and its own checks.py: (scenario, checks)."""
    from graders.checks import scenario_checks
    from sandbox.scenarios.loader import ScenarioError, load_scenario

    try:
        checks = scenario_checks(folder)
    except Exception as exc:  # noqa: BLE001  (whatever a checks.py raises, the instructor sees it)
        raise ScenarioError(
            Path(folder) / "checks.py", "", f"cannot be loaded: {exc.__class__.__name__}: {exc}"
        ) from None
    return load_scenario(folder, checks), checks


def _load_or_fail(scenario_id: str):  # noqa: ANN202
    from sandbox.scenarios.loader import ScenarioError

    try:
        return _load_checked(_scenarios_root() / scenario_id)
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from None


@scenarios.command("validate")
@click.argument("ids", nargs=-1)
def scenarios_validate(ids: tuple[str, ...]) -> None:
    """Validate scenario files against the schema and the checks (built-in and their own checks.py)."""
    from graders.checks import unmet_needs
    from sandbox.scenarios.loader import ScenarioError

    root = _scenarios_root()
    folders = (
        [root / i for i in ids]
        if ids
        else sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    )
    bad = 0
    for folder in folders:
        try:
            scenario, checks = _load_checked(folder)
        except ScenarioError as exc:
            bad += 1
            click.echo(f"INVALID {exc}", err=True)
            continue
        click.echo(f"ok      {folder.name}")
        for warning in unmet_needs(scenario, checks):
            click.echo(f"warning {scenario.folder / 'scenario.yaml'}: {warning}", err=True)
    sys.exit(1 if bad else 0)


def _draw(scenario_id: str, seed: int):  # noqa: ANN202
    """(scenario, params, identities) for a seed, drawn as an attempt would be (builds the template)."""
    from sandbox.control.attempts import template_for
    from sandbox.scenarios.params import draw_params
    from sandbox.worlds.store import open_world
    from seed_data.overlay import make_identities

    scenario, _ = _load_or_fail(scenario_id)
    rt = _rt(create_app())
    template, _ = template_for(rt, scenario)
    tw = open_world(template, read_only=True)
    try:
        params = draw_params(scenario, seed, tw)
    except ValueError as exc:
        raise click.ClickException(f"cannot draw the parameters for seed {seed}: {exc}") from None
    finally:
        tw.close()
    return scenario, params, make_identities(seed, scenario.world.get("accounts", []))


@scenarios.command("preview")
@click.argument("scenario_id")
@click.option("--seed", default=1, show_default=True, type=int, help="The attempt seed to draw.")
def scenarios_preview(scenario_id: str, seed: int) -> None:
    """What an attempt with this seed gets: task texts, parameters, answer sheet, rubric, identities."""
    from sandbox.scenarios.reference import preview_text

    scenario, params, identities = _draw(scenario_id, seed)
    click.echo(preview_text(scenario, seed, params, identities), nl=False)


@scenarios.command("new")
@click.argument("scenario_id")
@click.option("--title", default=None, help="Chinese title (default: 新场景 <id>).")
def scenarios_new(scenario_id: str, title: str | None) -> None:
    """Create a scenario folder that validates and verifies at once, to edit into your own."""
    from sandbox.scenarios import scaffold
    from sandbox.scenarios.schema import PATTERNS

    regex, words = PATTERNS["scenario id"]
    if not regex.match(scenario_id):
        raise click.ClickException(f"{scenario_id!r} is not a valid scenario id: {words}")
    folder = _scenarios_root() / scenario_id
    if folder.exists():
        raise click.ClickException(f"{folder} already exists; choose another id or remove that folder first")
    created = scaffold.create(folder, scenario_id, title)
    _load_or_fail(scenario_id)  # what was written validates
    for path in created:
        click.echo(f"created {path}")
    click.echo("")
    click.echo("Next:")
    click.echo(
        f"  python -m sandbox scenarios preview {scenario_id} --seed 1   # the task as seed 1 draws it"
    )
    click.echo(
        f"  python -m sandbox scenarios verify {scenario_id} --seeds 3   # solutions score as declared"
    )
    click.echo("  python -m sandbox checks list                      # the checks a rubric can use")
    click.echo("  docs/reference.md                                  # parameters, checks, the world")


def _seed_list(seed: tuple[int, ...], seeds: int | None) -> list[int]:
    if seed:
        return list(dict.fromkeys(seed))
    return list(range(1, (3 if seeds is None else seeds) + 1))


@scenarios.command("verify")
@click.argument("scenario_id")
@click.option("--seeds", type=click.IntRange(min=1), default=None, help="Try seeds 1..K (default 3).")
@click.option(
    "--seed", "seed", type=int, multiple=True, help="Try this seed (repeatable; instead of --seeds)."
)
def scenarios_verify(scenario_id: str, seeds: int | None, seed: tuple[int, ...]) -> None:
    """Empty attempt scores 0, reference solution full marks, each partial its declared score."""
    import json

    from graders.harness import Harness, expected_score, load_solution
    from sandbox.config import from_env
    from sandbox.scenarios.params import summarise

    scenario, _ = _load_or_fail(scenario_id)
    seed_list = _seed_list(seed, seeds)
    solutions: list[tuple[Path | None, float, str]] = [(None, 0.0, "empty")]
    try:
        ref = load_solution(scenario.folder / "solution.py")
        solutions.append((scenario.folder / "solution.py", expected_score(ref, scenario), "reference"))
        for path in sorted((scenario.folder / "tests").glob("*.py")):
            solutions.append((path, expected_score(load_solution(path), scenario), path.stem))
    except Exception as exc:  # noqa: BLE001  (a solution that does not even import)
        raise click.ClickException(f"cannot load a solution: {exc.__class__.__name__}: {exc}") from None
    label_w = max(len(label) for _, _, label in solutions)
    score_w = max(len(f"{scenario.max_points:g}"), *(len(f"{e:g}") for _, e, _ in solutions))
    param_w = max((len(n) for n in scenario.params_spec), default=0)
    pad = " " * len(f"seed {max(seed_list)}")
    drawn: dict[str, list[str]] = {name: [] for name in scenario.params_spec}
    keep = Path(from_env()["INSTANCE_DIR"]) / "verify-failures"
    failures = runs = 0
    with tempfile.TemporaryDirectory(prefix="sandbox-verify-") as tmp:
        data = Path(tmp)
        # The proofs grade worlds; recording the solutions' pages for a replay would only slow them.
        app = create_app(
            {
                "DATA_DIR": data,
                "CONTROL_DB_URL": f"sqlite:///{data / 'control.sqlite'}",
                "REPLAY_RECORDING": False,
            }
        )
        harness = Harness(app)
        try:
            for s in seed_list:
                head = f"seed {s}".ljust(len(pad))
                for number, (path, expected, label) in enumerate(solutions):
                    try:
                        attempt = harness.new_attempt(scenario.id, s)
                    except ValueError as exc:  # e.g. a pick whose filters match nothing
                        failures, runs = failures + 1, runs + 1
                        click.echo(f"{head}  FAIL: cannot draw the parameters: {exc}")
                        break
                    if number == 0:
                        for row, (name, value) in enumerate(attempt.params.items()):
                            drawn[name].append(json.dumps(value, sort_keys=True, ensure_ascii=False))
                            shown = summarise(scenario.params_spec[name], value)
                            click.echo(f"{pad if row else head}  {name:{param_w}}  {shown}")
                    runs += 1
                    if path is not None:
                        try:
                            harness.solve(attempt, path)
                        except Exception as exc:  # report it and go on with the other solutions
                            failures += 1
                            shot = getattr(harness, "last_failure", None)
                            kept = keep / f"{scenario.id}-seed{s}-{label}.png"
                            saved = shot is not None and Path(shot).exists()
                            if saved:
                                kept.parent.mkdir(parents=True, exist_ok=True)
                                shutil.copyfile(shot, kept)
                                harness.last_failure = None
                            message = f"{exc.__class__.__name__}: {exc}".rstrip().replace(
                                "\n", "\n" + pad + "    "
                            )
                            click.echo(f"{head}  {label:{label_w}}  FAIL: the solution stopped: {message}")
                            if saved:
                                click.echo(f"{pad}  screenshot of where it stopped: {kept}")
                            continue
                    harness.submit(attempt)
                    run = harness.grade(attempt)
                    ok = abs(run.score - expected) < 0.01
                    failures += 0 if ok else 1
                    click.echo(
                        f"{head}  {label:{label_w}}  {run.score:>{score_w}g} / {run.max_score:g}"
                        f"  expected {expected:>{score_w}g}  {'ok' if ok else 'FAIL'}"
                    )
                    if not ok:
                        item_w = max(len(item.item_id) for item in run.items)
                        for item in run.items:
                            click.echo(
                                f"{pad}    {item.item_id:{item_w}}  {item.points:g}/{item.max_points:g}"
                                f"  {item.status}  {item.feedback}"
                            )
        finally:
            harness.close()
    if drawn:
        coverage = "; ".join(
            f"{name}: {len(set(values))} distinct of {len(values)} seed{'' if len(values) == 1 else 's'}"
            for name, values in drawn.items()
        )
        click.echo(f"parameters covered: {coverage}")
    if failures:
        raise click.ClickException(
            f"{failures} of {runs} solution runs did not score as declared (or stopped, or could not start)"
        )
    manual = [i for i in scenario.rubric if i["check"]["kind"] == "manual"]
    if manual:
        points = sum(float(i["points"]) for i in manual)
        ids = ", ".join(i["id"] for i in manual)
        click.echo(f"manual items ({ids}): {points:g} points judged by an examiner, 0 until marked")
    click.echo(f"{scenario.id}: verified for {len(seed_list)} seed(s): {', '.join(map(str, seed_list))}")


@cli.group()
def checks() -> None:
    """The checks a rubric item can use."""


@checks.command("list")
@click.option("--scenario", "scenario_id", default=None, help="Also list this scenario's own checks.py.")
def checks_list(scenario_id: str | None) -> None:
    """Every check: kind, name, arguments and what it checks (details in docs/reference.md)."""
    from sandbox.scenarios.reference import builtin_checks, check_list_lines

    if scenario_id:
        _, found = _load_or_fail(scenario_id)
    else:
        found = builtin_checks()
    for line in check_list_lines(found):
        click.echo(line)


@cli.command()
@click.option(
    "--check", "check_only", is_flag=True, help="Only say whether the file is up to date (exit 1 if not)."
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here instead."
)
def docs(check_only: bool, output: Path | None) -> None:
    """Write docs/reference.md (parameters, checks, solution context, the world) from the code."""
    from sandbox.scenarios.reference import REFERENCE_PATH, REGENERATE, reference_markdown

    path = output or REFERENCE_PATH
    text = reference_markdown()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if check_only:
        if current != text:
            raise click.ClickException(f"{path} is out of date; run `{REGENERATE}`")
        click.echo(f"{path} is up to date")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}" + ("" if current != text else " (unchanged)"))


if __name__ == "__main__":
    cli()
