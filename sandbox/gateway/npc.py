"""The platform's scheduled actions: notification retries, unpaid trades closing, refund periods ending."""

from __future__ import annotations

from typing import Any

from sandbox.gateway import notify, trades
from sandbox.gateway.models import Trade, TradeStatus
from sandbox.worlds.base import Event
from sandbox.worlds.npc import npc_action
from sandbox.worlds.world import World


@npc_action(notify.RETRY_ACTION, for_rules=False)
def notify_retry(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Deliver a notification again (scheduled 4m, 10m, 10m, 1h, 2h, 6h, 15h after each failure)."""
    notify.retry(w, int(args["notification"]))


@npc_action(trades.CLOSE_ACTION, for_rules=False)
def close_expired(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Close a trade still unpaid when its timeout (timeout_express) is up."""
    trade = w.db.get(Trade, int(args["trade"]))
    if trade is not None:
        trades.close_if_expired(w, trade)


@npc_action(trades.FINISH_ACTION, for_rules=False)
def finish_trade(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """End a paid trade when its refund period is over (TRADE_FINISHED)."""
    trade = w.db.get(Trade, int(args["trade"]))
    if trade is not None and trade.status == TradeStatus.TRADE_SUCCESS:
        trades.finish(w, trade, "refund_period")
