"""NPC actions of the bank (`do:` in a scenario's world.events, or scheduled by the bank itself).

- `bank.counter_review` {after: "+2m"}: the counter reviews the application of the triggering
  `bank.account_applied` event (or every pending one, for a timed rule) after the delay, by the rules
  of `accounts.findings`: approved when nothing is found, else rejected with the first reason.
- `bank.counter_unlock` {after: "+5m"}: the counter unlocks the transaction password named by the
  triggering event (`bank.tx_password_locked`) or by `account_no`.
- `bank.npc_applications` {bank: ICBC, problems: [none, bad_id, name_mismatch, bad_mobile, minor]}:
  people file applications at a bank, one per entry, each with that problem, for a teller to review.
- `bank.counter_decide`, `bank.interbank_arrive`: what the two above and a cross-bank transfer schedule.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from sandbox.bank import accounts, idcheck, transfers
from sandbox.bank import services as bank
from sandbox.bank.models import AccountApplication, ApplicationStatus, Bank
from sandbox.errors import N_, DomainError
from sandbox.worlds import npc
from sandbox.worlds.base import Event
from sandbox.worlds.clock import parse_offset
from sandbox.worlds.npc import npc_action
from sandbox.worlds.world import World

NPC_COUNTER = "npc:柜台"


def _later(w: World, args: dict[str, Any]) -> Any:
    return w.now() + parse_offset(str(args["after"])) if args.get("after") else None


@npc_action("bank.counter_review")
def counter_review(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Review an application (the trigger's, else every pending one) now or `after` a delay."""
    if trigger is not None and "application_no" in trigger.payload:
        numbers = [trigger.payload["application_no"]]
    else:
        q = select(AccountApplication.number).where(AccountApplication.status == ApplicationStatus.PENDING)
        numbers = list(w.db.scalars(q.order_by(AccountApplication.id)))
    when = _later(w, args)
    for number in numbers:
        if when is None:
            counter_decide(w, {"application_no": number}, None)
        else:
            npc.schedule(w, when, "bank.counter_decide", application_no=number)


@npc_action("bank.counter_decide", for_rules=False)
def counter_decide(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Approve an application the counter finds nothing wrong with, else reject it with the reason."""
    application = accounts.get_application(w, str(args.get("application_no", "")))
    found = accounts.findings(w, application)
    accounts.decide(
        w, application.number, approve=not found, reason=found[0] if found else "", reviewer=NPC_COUNTER
    )


@npc_action("bank.interbank_arrive", for_rules=False)
def interbank_arrive(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """A cross-bank transfer reaches the receiving bank (which takes it or returns it)."""
    transfers.arrive(w, str(args.get("transfer_no", "")))


@npc_action("bank.counter_unlock")
def counter_unlock(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Unlock the transaction password of the trigger's account (or `account_no`), now or `after`."""
    target = args.get("account_no") or (trigger.payload.get("account_no") if trigger else None)
    if not target:
        raise DomainError(N_("账号或操作员不存在"))
    when = _later(w, args)
    if when is None:
        accounts.unlock(w, None, str(target))
    else:
        npc.schedule(w, when, "bank.counter_unlock", account_no=str(target))


PROBLEMS = ("none", "bad_id", "name_mismatch", "bad_mobile", "minor")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "晓东",
    "海燕",
)


@npc_action("bank.npc_applications")
def npc_applications(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """People apply for personal accounts at `bank`, one per entry of `problems` (see PROBLEMS)."""
    target: Bank = bank.get_bank(w, str(args.get("bank", "ICBC")))
    for index, problem in enumerate(args.get("problems") or ["none"]):
        if problem not in PROBLEMS:
            raise ValueError(f"unknown application problem {problem!r}; one of {', '.join(PROBLEMS)}")
        raw = bank.world_digest(w, f"npc-applicant:{target.code}:{index}")
        name = SURNAMES[raw[0] % len(SURNAMES)] + GIVEN[raw[1] % len(GIVEN)]
        year = w.now().year - (12 if problem == "minor" else 20 + raw[2] % 40)
        born = date(year, 1 + raw[3] % 12, 1 + raw[4] % 28)
        id_number = idcheck.make_id_number("110105", born, int.from_bytes(raw[5:7], "big"))
        mobile = f"13{int.from_bytes(raw[7:11], 'big') % 10**9:09d}"
        accounts.register_citizen(w, id_number, name, mobile)
        if problem == "bad_id":
            wrong = "0" if id_number[-1] != "0" else "1"
            id_number = id_number[:-1] + wrong
        if problem == "name_mismatch":
            name = SURNAMES[(raw[0] + 1) % len(SURNAMES)] + name[1:]
        if problem == "bad_mobile":
            mobile = mobile[:7]
        accounts.apply_for_account(
            w,
            bank_code=target.code,
            account_type="personal",
            name=name,
            id_number=id_number,
            mobile=mobile,
            email="",
            address="北京市朝阳区建国路 1 号",
            by_npc=True,
        )
