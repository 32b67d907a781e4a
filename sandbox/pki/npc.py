"""NPC actions of the CA (`do:` in a scenario's world.events).

- `ca.review` {after: "+3m", reject: "<reason>"}: the registration authority reviews the application of
  the triggering `cert.applied` event (or every pending one, for a timed rule) after the delay: it
  approves unless its checks find something (or `reject` gives the reason it rejects every one with).
- `ca.decide`: what `ca.review` schedules.
- `ca.npc_applications` {problems: [none, bad_id, bad_credit_code, minor]}: people file enterprise
  certificate applications on paper, one per entry, with that problem in it (for an RA scenario, where
  the candidate reviews them in the RA console); see `ra.file_on_paper`.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import N_, DomainError
from sandbox.pki import ca, ra
from sandbox.worlds import npc
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action
from sandbox.worlds.world import World

NPC_RA = "npc:RA"


@npc_action("ca.review")
def review(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Review an application (the trigger's, else every pending one) now or `after` a delay."""
    if trigger is not None and "application_no" in trigger.payload:
        numbers = [trigger.payload["application_no"]]
    else:
        numbers = [a.number for a in ca.pending(w)]
    when = w.now() + parse_offset(str(args["after"])) if args.get("after") else None
    for number in numbers:
        decision = {"application_no": number, "reject": str(args.get("reject") or "")}
        if when is None:
            decide(w, decision, None)
        else:
            npc.schedule(w, when, "ca.decide", **decision)


@npc_action("ca.decide", for_rules=False)
def decide(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Approve an application the RA finds nothing wrong with, else reject it with the reason."""
    application = ca.get_application(w, str(args.get("application_no", "")))
    if application.status != "pending":
        return
    found = [args["reject"]] if args.get("reject") else ca.findings(w, application)
    ca.decide(w, application.number, approve=not found, reason=found[0] if found else "", reviewer=NPC_RA)


@npc_action("ca.npc_applications")
def npc_applications(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """File one paper application per entry of `problems` (none, bad_id, bad_credit_code, minor)."""
    given = args.get("problems") or ["none"]
    problems = ["none" if p is None else str(p) for p in ([given] if isinstance(given, str) else given)]
    for problem in problems:  # all checked first: a wrong entry files none of them
        if problem not in ra.PAPER_PROBLEMS:
            raise DomainError(N_("未知的申请问题：%(problem)s"), problem=problem[:40])
    for problem in problems:
        ra.file_on_paper(w, problem)
