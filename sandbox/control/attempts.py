"""Attempt lifecycle: seed, world preparation, deadline, answers, submit, practice reset."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.control.models import ActionLog, Attempt, AttemptStatus, Candidate, Staff
from sandbox.errors import N_, DomainError, Forbidden
from sandbox.scenarios.loader import Scenario
from sandbox.scenarios.params import draw_params
from sandbox.scenarios.versions import archive, attempt_scenario
from sandbox.worlds.npc import run_due
from sandbox.worlds.store import open_world
from sandbox.worlds.world import READ_ONLY_MESSAGE
from seed_data.generate import add_authority, build_world
from seed_data.overlay import apply_overlay, make_identities

MAX_ANSWER_LENGTH = 500
# Seconds a world retired by a practice reset is kept after its last write (see _drop_retired_worlds).
RETIRED_WORLD_GRACE = 60.0


def attempt_seed(*parts: object) -> int:
    """A 31-bit seed from a hash of the parts (exam, candidate, scenario, version)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def template_for(rt: Any, scenario: Scenario) -> tuple[Path, float | None]:
    """The scenario's template world, built on first use: a copy of its base world's image (built once
    for every scenario on that base) with the scenario's own certificate authority added."""
    store = rt.store
    path = store.template_path(scenario.template_key)
    if store.exists(path):
        return path, None
    base = scenario.world["base"]
    image, _ = store.ensure_template(scenario.base_image_key, lambda p: build_world(p, base, authority=False))
    return store.derive_template(scenario.template_key, image, add_authority)


def prepare_world(
    rt: Any, scenario: Scenario, seed: int, key: str, started_real: float, world_name: str | None = None
) -> tuple[Path, dict, list]:
    """Clone the template, draw params, apply the overlay; returns (world path, params, identities).

    The world file is named after the attempt key, or `world_name` (a practice reset's new world).
    """
    template, _ = template_for(rt, scenario)
    tw = open_world(template, read_only=True)
    try:
        params = draw_params(scenario, seed, tw)
    finally:
        tw.close()
    identities = make_identities(seed, scenario.world.get("accounts", []))

    def overlay(w):  # noqa: ANN001, ANN202
        apply_overlay(
            w,
            identities,
            started_real=started_real,
            clock_scale=scenario.clock_scale,
            scenario_id=scenario.id,
            attempt_key=key,
            accounts=scenario.world.get("accounts", []),
            params=params,
        )

    path = rt.store.create(world_name or key, template, overlay)
    return path, params, identities


def start_attempt(
    rt: Any,
    db: Session,
    scenario: Scenario,
    *,
    candidate: Candidate | None = None,
    staff: Staff | None = None,
    mode: str = "exam",
    now: float | None = None,
    seed: int | None = None,
) -> Attempt:
    """Create an attempt with its own world; an exam candidate gets one attempt per scenario.

    The scenario's folder is kept as it is now (`versions.archive`) and the attempt records its
    digest, so the attempt is graded with this version even after the scenario changes.
    """
    if candidate is not None:
        existing = db.scalars(
            select(Attempt).where(Attempt.candidate_id == candidate.id, Attempt.scenario_id == scenario.id)
        ).first()
        if existing:
            return existing
    scenario = archive(rt, scenario)
    if candidate is not None:
        seed = attempt_seed(candidate.exam_id, candidate.id, scenario.id, scenario.version)
    elif seed is None:
        seed = attempt_seed(
            "practice", staff.id if staff else 0, scenario.id, scenario.version, uuid.uuid4().hex
        )
    now = time.time() if now is None else now
    key = f"a-{uuid.uuid4().hex[:16]}"
    path, params, identities = prepare_world(rt, scenario, seed, key, now)
    attempt = Attempt(
        key=key,
        mode=mode,
        exam_id=candidate.exam_id if candidate else None,
        candidate_id=candidate.id if candidate else None,
        staff_id=staff.id if staff else None,
        scenario_id=scenario.id,
        scenario_version=scenario.version,
        scenario_digest=scenario.digest,
        seed=seed,
        params=params,
        identities=identities,
        world_path=str(path),
        status=AttemptStatus.ACTIVE,
        started_at=datetime.fromtimestamp(now),
        started_real=now,
        deadline_real=_deadline(candidate, scenario, now),
        answers={},
    )
    db.add(attempt)
    try:
        db.commit()
    except IntegrityError:
        # Two tabs opened the desktop at once: the other one's attempt stands, this world goes.
        db.rollback()
        rt.store.drop(path)
        return db.scalars(
            select(Attempt).where(Attempt.candidate_id == candidate.id, Attempt.scenario_id == scenario.id)
        ).one()
    return attempt


def _deadline(candidate: Candidate | None, scenario: Scenario, now: float) -> float:
    """The scenario's minutes, plus the candidate's extra time, within the practical part's window."""
    if candidate is None:
        return now + scenario.minutes * 60
    from sandbox.admin.access import PRACTICAL, deadline

    return deadline(candidate.exam, candidate, PRACTICAL, scenario.minutes, now)


def _log(db: Session, attempt: Attempt, name: str, now: float, **payload: Any) -> None:
    """Put a lifecycle event of the attempt (not of its world) on its timeline."""
    db.add(
        ActionLog(
            attempt_id=attempt.id,
            kind="event",
            real_at=datetime.fromtimestamp(now),
            event_name=name,
            payload=payload,
        )
    )


def seconds_left(attempt: Attempt, now: float | None = None) -> int:
    """Whole seconds until the deadline (0 once passed or submitted)."""
    if attempt.status != AttemptStatus.ACTIVE:
        return 0
    return max(0, int(attempt.deadline_real - (time.time() if now is None else now)))


def submit(
    rt: Any,
    db: Session,
    attempt: Attempt,
    reason: str = "candidate",
    now: float | None = None,
    enqueue: bool = True,
) -> bool:
    """Close the attempt for writing and queue it for grading; False if it was already closed."""
    if attempt.status != AttemptStatus.ACTIVE:
        return False
    now = time.time() if now is None else now
    submitted_real = min(now, attempt.deadline_real)
    close_world(rt, attempt, submitted_real)
    # Only one of a candidate's click and the deadline sweeper may submit (and queue grading).
    closed = db.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.ACTIVE)
        .values(
            status=AttemptStatus.SUBMITTED,
            submitted_real=submitted_real,
            submitted_at=datetime.fromtimestamp(submitted_real),
            submit_reason=reason,
        )
    ).rowcount
    if closed:
        _log(db, attempt, "attempt.submitted", now, reason=reason)
    db.commit()
    db.refresh(attempt)
    if closed and enqueue:
        rt.grading.enqueue(attempt.id, f"submit:{reason}")
    return bool(closed)


def close_world(rt: Any, attempt: Attempt, frozen_real: float) -> None:
    """Close the attempt's world under its write lock, so no write lands after the submission.

    A write already in progress holds the lock and finishes first (the grader will see it); one that
    comes later finds the world closed. NPC rules due by the deadline run now, on the frozen clock,
    so the graded world does not depend on whether the candidate loaded one more page.
    """
    rules = attempt_scenario(rt, attempt).world.get("events") or []
    w = open_world(attempt.world_path, write_lock=True, frozen_real=frozen_real, actor="system")
    try:
        run_due(w, rules)
        w.meta().closed = True
        w.commit()
    finally:
        w.close()


def enforce_deadline(rt: Any, db: Session, attempt: Attempt, now: float | None = None) -> None:
    """Auto-submit an attempt whose time is up (not while a proctor has paused its candidate: the
    clock stands still, and resuming moves the deadline on)."""
    if attempt.candidate is not None and attempt.candidate.paused_at is not None:
        return
    now = time.time() if now is None else now
    if attempt.status == AttemptStatus.ACTIVE and now >= attempt.deadline_real:
        submit(rt, db, attempt, "deadline", now)


def save_answers(db: Session, scenario: Scenario, attempt: Attempt, form: dict[str, str]) -> dict[str, str]:
    """Store the answer sheet; only declared fields, only while the attempt is open."""
    if attempt.status != AttemptStatus.ACTIVE:
        raise Forbidden(READ_ONLY_MESSAGE)
    answers = dict(attempt.answers or {})
    for fld in scenario.answer_fields():
        value = (form.get(fld["id"]) or "").strip()
        if len(value) > MAX_ANSWER_LENGTH:
            raise DomainError(N_("答案不能超过 %(max)s 个字"), max=MAX_ANSWER_LENGTH)
        if (
            fld.get("type") == "choice"
            and value
            and value not in {o["value"] for o in fld.get("options", [])}
        ):
            raise DomainError(N_("请从列表中选择答案"))
        answers[fld["id"]] = value
    # Conditional on the status at the moment of writing: a submission in between wins.
    saved = db.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.ACTIVE)
        .values(answers=answers)
    ).rowcount
    db.commit()
    db.refresh(attempt)
    if not saved:
        raise Forbidden(READ_ONLY_MESSAGE)
    return answers


def reset_practice(rt: Any, db: Session, scenario: Scenario, attempt: Attempt) -> Attempt:
    """Practice mode: a fresh world for the same parameters, the clock and answers reset.

    The new world is built beside the old one, under a new file name, and swapped in only once it
    is complete: a request of the trainee's that is in flight, or arrives during the swap, runs on
    the old world or on the new one, never on a half-made one. The swap waits for a write in flight
    on the old world (it takes the old world's write lock). Retired worlds are removed by a later
    reset once no request can still be using them. The current scenario version is kept and recorded.
    """
    if attempt.mode != "practice":
        raise Forbidden(N_("只有练习模式可以重置"))
    scenario = archive(rt, scenario)
    now = time.time()
    old_path = attempt.world_path
    name = f"{attempt.key}-r{uuid.uuid4().hex[:8]}"  # a new file: the old world stays whole meanwhile
    path, params, identities = prepare_world(rt, scenario, attempt.seed, attempt.key, now, world_name=name)
    old = open_world(old_path, write_lock=True, actor="system") if rt.store.exists(old_path) else None
    try:
        attempt.world_path = str(path)
        attempt.scenario_version, attempt.scenario_digest = scenario.version, scenario.digest
        attempt.params, attempt.identities = params, identities
        attempt.status = AttemptStatus.ACTIVE
        attempt.started_real, attempt.started_at = now, datetime.fromtimestamp(now)
        attempt.deadline_real = now + scenario.minutes * 60
        attempt.submitted_real = attempt.submitted_at = attempt.submit_reason = None
        attempt.answers, attempt.score, attempt.max_score = {}, None, None
        _log(db, attempt, "attempt.reset", now)
        db.commit()
    except BaseException:
        db.rollback()
        rt.store.drop(path)
        raise
    finally:
        if old is not None:
            old.rollback()
            old.close()
    rt.store.retire(old_path)
    rt.store.drop_retired(attempt.key, {str(path), str(old_path)}, RETIRED_WORLD_GRACE)
    return attempt
