"""Grade one attempt: snapshot its world, run the rubric, store results, evidence and trace."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from graders.browser import GradingBrowser, UISession
from graders.context import GradeContext
from graders.engine import GRADER_VERSION, run_rubric
from graders.moments import attach_moments
from graders.results import results_document
from sandbox.control import signed_login
from sandbox.control.models import Attempt, AttemptStatus, GradeRun, ItemResult, RegradePolicy
from sandbox.examiner.scoring import apply_decisions, counted_run, refresh_score, total
from sandbox.scenarios.versions import ATTEMPT, grading_version
from sandbox.worlds.store import canonical_hash, open_world


def run_dir(rt: Any, run_id: int) -> Path:
    """Folder holding one grading run's JSON, evidence and trace."""
    return Path(rt.config["DATA_DIR"]) / "grading" / f"run-{run_id}"


def evidence_file(run: GradeRun, name: str) -> Path | None:
    """The evidence file `name` of a run, or None (never a path outside the run's folder)."""
    if not run.result_path:
        return None
    folder = (Path(run.result_path).parent / "evidence").resolve()
    try:
        path = (folder / name).resolve()
        return path if path.parent == folder and path.is_file() else None
    except (OSError, ValueError):  # a NUL byte or a name too long is no file of ours
        return None


def _rubric_note(rubric_source: str, used: Any, taken: Any) -> str:
    """What results.json says about the rubric's version."""
    if taken is None:
        return "attempt started before scenario versions were kept: graded with the current version"
    if rubric_source == ATTEMPT:
        return "graded with the version the attempt was taken under"
    if used.digest == taken.digest:
        return "graded with the current version, which is the one the attempt was taken under"
    return "graded with the current version on request, not the one the attempt was taken under"


def final_snapshot(rt: Any, attempt: Attempt) -> Path | str:
    """The submitted attempt's world as it was closed, kept once: every grading run reads a copy of it,
    never the live world (a regrade months later grades what the candidate left)."""
    return rt.store.final_image(attempt.world_path)


def grade_attempt(
    rt: Any,
    attempt_id: int,
    triggered_by: str,
    browser: GradingBrowser | Callable[[], GradingBrowser] | None = None,
    use_current: bool = False,
    policy: str | None = None,
    requested_by: str | None = None,
    reason: str | None = None,
    batch_id: int | None = None,
) -> GradeRun:
    """Grade the attempt now and return the stored run.

    UI checks need `browser`: a GradingBrowser, or a function giving one (called only if a UI check
    runs). A run in which any check errored is stored as "incomplete" and does not set the score.

    The rubric is that of the scenario version the attempt was taken under (its kept copy), or with
    `use_current` the scenario as it is now; an attempt from before versions were kept is graded with
    the current one. A current version that uses parameters or answers the attempt does not have is
    refused (VersionRefused) before anything is stored.

    A submitted attempt is graded from its final snapshot (`final_snapshot`). With `policy`
    keep_higher the run's points count only if the attempt's score does not fall; otherwise (latest,
    the default) the run's points count. Examiners' decisions (overrides, voids, manual marks) are
    applied on top either way (`sandbox.examiner.scoring`).
    """
    db = rt.control.session()
    try:
        attempt = db.get(Attempt, attempt_id)
        scenario, rubric_source, taken = grading_version(rt, attempt, use_current)
        before = counted_run(attempt)
        before_score = total(apply_decisions(db, attempt, before))[0] if before is not None else None
        run = GradeRun(
            attempt_id=attempt.id,
            started_at=datetime.now(),
            triggered_by=triggered_by,
            grader_version=GRADER_VERSION,
            scenario_version=scenario.version,
            scenario_digest=scenario.digest,
            rubric_source=rubric_source,
            requested_by=requested_by,
            reason=reason,
            policy=policy or RegradePolicy.LATEST,
            batch_id=batch_id,
        )
        db.add(run)
        db.commit()
        started = time.perf_counter()
        folder = run_dir(rt, run.id)
        folder.mkdir(parents=True, exist_ok=True)
        source = attempt.world_path if attempt.status == AttemptStatus.ACTIVE else final_snapshot(rt, attempt)
        snapshot = rt.store.snapshot(source, f"{attempt.key}-run{run.id}")
        frozen = attempt.submitted_real if attempt.status != AttemptStatus.ACTIVE else time.time()
        world = open_world(snapshot, read_only=True, frozen_real=frozen, actor="grader")
        ctx = GradeContext(
            scenario,
            attempt.params,
            dict(attempt.answers or {}),
            attempt.identities,
            world,
            folder / "evidence",
        )

        def login_url(next_path: str) -> str:
            token = signed_login.issue(
                rt.config["SECRET_KEY"],
                attempt.id,
                "buyer",
                world=str(snapshot),
                frozen_real=frozen,
                identities={"customer": ctx.facts.get("order_customer_id") or ctx.facts.get("customer_id")},
            )
            return f"/signed-login/{token}?next={quote(next_path)}"

        trace = None
        try:
            if browser is not None:
                provider = browser if callable(browser) else (lambda: browser)
                ctx.ui = UISession(provider, login_url, folder / "trace.zip")
            outcomes = run_rubric(ctx)
            attach_moments(outcomes, world)
        finally:
            if ctx.ui is not None:
                trace = ctx.ui.close()
            world.close()
        run.world_hash = canonical_hash(snapshot)
        run.trace_path = str(trace) if trace else None
        run.score = round(sum(o.points for o in outcomes), 2)
        run.max_score = round(sum(o.max_points for o in outcomes), 2)
        run.items = [
            ItemResult(
                position=i,
                item_id=o.id,
                title=o.title,
                points=o.points,
                max_points=o.max_points,
                status=o.status,
                would_be=getattr(o, "would_be", None),
                feedback=o.feedback,
                evidence=o.evidence,
            )
            for i, o in enumerate(outcomes)
        ]
        doc = results_document(
            outcomes,
            {
                "execution_time": round(time.perf_counter() - started, 3),
                "attempt": attempt.key,
                "scenario": scenario.id,
                # The version the attempt was taken under, and the one whose rubric graded it.
                "scenario_version": attempt.scenario_version,
                "scenario_digest": attempt.scenario_digest,
                "rubric_version": scenario.version,
                "rubric_digest": scenario.digest,
                "rubric_source": rubric_source,
                "rubric_note": _rubric_note(rubric_source, scenario, taken),
                "params": attempt.params,
                "seed": attempt.seed,
                "grader_version": GRADER_VERSION,
                "world_hash": run.world_hash,
                "trace": "trace.zip" if trace else None,
                "graded_at": datetime.now().isoformat(timespec="seconds"),
            },
        )
        result_path = folder / "results.json"
        result_path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        run.result_path = str(result_path)
        run.status = "incomplete" if any(o.status == "error" for o in outcomes) else "done"
        run.finished_at = datetime.now()
        if run.status == "done":
            now_score = total(apply_decisions(db, attempt, run))[0]
            lower = before_score is not None and now_score < before_score
            run.counted = not (run.policy == RegradePolicy.KEEP_HIGHER and lower)
            attempt.counted_run_id = run.id if run.counted else before.id
            db.flush()
            db.expire(attempt, ["grade_runs"])
            refresh_score(attempt)
            if attempt.status == AttemptStatus.SUBMITTED:
                attempt.status = AttemptStatus.GRADED
        db.commit()
        return run
    except Exception as exc:
        db.rollback()
        if "run" in locals() and run.id:
            failed = db.get(GradeRun, run.id)
            failed.status, failed.error, failed.finished_at = (
                "error",
                f"{exc.__class__.__name__}: {exc}",
                datetime.now(),
            )
            db.commit()
        raise
    finally:
        db.close()
