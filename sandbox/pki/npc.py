"""NPC actions of the CA (`do:` in a scenario's world.events).

- `ca.review` {after: "+3m", reject: "<reason>"}: the registration authority reviews the application of
  the triggering `cert.applied` event (or every pending one, for a timed rule) after the delay: it
  approves unless its checks find something (or `reject` gives the reason it rejects every one with).
- `ca.decide`: what `ca.review` schedules.
"""

from __future__ import annotations

from typing import Any

from sandbox.pki import ca
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
    found = [args["reject"]] if args.get("reject") else ca.findings(application)
    ca.decide(w, application.number, approve=not found, reason=found[0] if found else "", reviewer=NPC_RA)
