"""Asynchronous notifications (trade_status_sync) and the synchronous return to the merchant's site.

A higher layer registers an in-process receiver for its notify URLs (`register_notify_receiver`).
URLs in a world look like `https://mall.sim/shop/pay/notify/S003` (any host ending in `.sim`) or a
path `/shop/pay/notify/S003`; receivers are matched on the path. A notification is delivered at
once and, until the receiver answers exactly `success`, again 4m, 10m, 10m, 1h, 2h, 6h and 15h
after the previous attempt, on the world clock (scheduled actions). Every attempt is recorded.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select

from sandbox.gateway.merchants import mask_email, platform_sign, world_part
from sandbox.gateway.models import Notification, NotifyAttempt, NotifyStatus, Refund, Trade, TradeStatus
from sandbox.worlds import npc
from sandbox.worlds.world import World

log = logging.getLogger(__name__)

Receiver = Callable[[World, str, dict[str, str]], str]
_RECEIVERS: dict[str, Receiver] = {}
RETRY_DELAYS = (
    timedelta(minutes=4),
    timedelta(minutes=10),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=15),
)
ACK = "success"
RETRY_ACTION = "gateway.notify_retry"


def register_notify_receiver(url_prefix: str, receiver: Receiver) -> None:
    """Have `receiver(w, notify_url, params)` receive the notifications sent to paths under the prefix."""
    _RECEIVERS[url_prefix] = receiver


def local_path(url: str) -> str | None:
    """The path (and query) of a URL inside the world: a path, or http(s) on a host ending in .sim."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if url.startswith("/") and not url.startswith("//"):
        pass
    elif parts.scheme in ("http", "https") and (parts.hostname or "").endswith(".sim"):
        pass
    else:
        return None
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def receiver_for(url: str) -> Receiver | None:
    """The registered receiver for a notify URL (longest matching prefix), or None."""
    path = local_path(url)
    if path is None:
        return None
    path = path.split("?", 1)[0]
    matches = [prefix for prefix in _RECEIVERS if path.startswith(prefix)]
    return _RECEIVERS[max(matches, key=len)] if matches else None


def yuan(fen: int) -> str:
    """Fen as Alipay's amount text: 12.34."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def timestamp(value: object) -> str:
    """World time as yyyy-MM-dd HH:mm:ss."""
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


def _notify_id(w: World, trade: Trade) -> str:
    seq = (w.db.scalar(select(func.count(Notification.id))) or 0) + 1
    digest = hashlib.sha256(f"{world_part(w)}:{trade.trade_no}:{seq}".encode()).hexdigest()
    return digest[:32]


def notification_params(
    w: World, trade: Trade, notify_id: str, refund: Refund | None = None
) -> dict[str, str]:
    """The signed trade_status_sync parameters describing the trade as it is now."""
    app = trade.app
    params = {
        "notify_time": timestamp(w.now()),
        "notify_type": "trade_status_sync",
        "notify_id": notify_id,
        "app_id": app.app_id,
        "auth_app_id": app.app_id,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade.status,
        "seller_id": app.seller_id,
        "buyer_id": trade.buyer.user_id if trade.buyer else "",
        "buyer_logon_id": trade.buyer_logon_id,
        "total_amount": yuan(trade.total_fen),
        "receipt_amount": yuan(trade.total_fen) if trade.paid_at else "",
        "buyer_pay_amount": yuan(trade.total_fen) if trade.paid_at else "",
        "subject": trade.subject,
        "gmt_create": timestamp(trade.created_at),
        "gmt_payment": timestamp(trade.paid_at),
        "gmt_close": timestamp(trade.closed_at if trade.status == TradeStatus.TRADE_CLOSED else None),
    }
    if refund is not None:
        params["gmt_refund"] = timestamp(refund.created_at)
        params["refund_fee"] = yuan(trade.refunded_fen)
        params["out_biz_no"] = refund.out_request_no
    params = {k: v for k, v in params.items() if v != ""}
    params["sign"] = platform_sign(w, params)
    return params


def notify(w: World, trade: Trade, kind: str, refund: Refund | None = None) -> Notification | None:
    """Tell the merchant about the trade's new state (delivered now, retried until acknowledged).

    The URL is the page.pay request's notify_url, or else the app's at this moment; with neither
    there is nothing to send, as with Alipay.
    """
    url = trade.notify_url or trade.app.notify_url
    if not url:
        return None
    notify_id = _notify_id(w, trade)
    note = Notification(
        notify_id=notify_id,
        kind=kind,
        url=url,
        params=notification_params(w, trade, notify_id, refund),
        created_at=w.now(),
    )
    trade.notifications.append(note)
    w.db.flush()
    deliver(w, note)
    return note


def deliver(w: World, note: Notification) -> NotifyAttempt:
    """One delivery attempt; schedules the next one unless the merchant answered `success`."""
    receiver = receiver_for(note.url)
    previous_actor, w.actor = w.actor, "system"  # the platform calls the merchant, not the buyer
    try:
        if receiver is None:
            outcome, response = "unreachable", ""
        else:
            outcome, response = _call(w, receiver, note)
    finally:
        w.actor = previous_actor
    attempt = NotifyAttempt(at=w.now(), response=response[:200], outcome=outcome)
    note.attempts.append(attempt)
    w.db.flush()
    count = len(note.attempts)
    w.emit(
        "gateway.notify_sent",
        actor="system",
        trade_no=note.trade.trade_no,
        out_trade_no=note.trade.out_trade_no,
        app_id=note.trade.app.app_id,
        notify_id=note.notify_id,
        kind=note.kind,
        trade_status=note.params.get("trade_status", ""),
        attempt=count,
        outcome=outcome,
        response=response[:200],
        url=note.url,
    )
    if outcome == "success":
        note.status, note.acknowledged_at, note.next_at = NotifyStatus.ACKNOWLEDGED, w.now(), None
    elif count <= len(RETRY_DELAYS):
        note.next_at = w.now() + RETRY_DELAYS[count - 1]
        npc.schedule(w, note.next_at, RETRY_ACTION, notification=note.id)
    else:
        note.status, note.next_at = NotifyStatus.GIVEN_UP, None
        w.emit(
            "gateway.notify_given_up", actor="system", trade_no=note.trade.trade_no, notify_id=note.notify_id
        )
    return attempt


def _call(w: World, receiver: Receiver, note: Notification) -> tuple[str, str]:
    """Hand the notification to the receiver; what it changed is undone if it fails with an error."""
    emitted = len(w.emitted)
    try:
        with w.db.begin_nested():
            answer = receiver(w, note.url, dict(note.params))
    except Exception as exc:  # noqa: BLE001 - the merchant's failure is its answer, recorded and retried
        del w.emitted[emitted:]
        log.info("notify receiver for %s failed: %s", note.url, exc)
        return "error", f"{exc.__class__.__name__}: {exc}"
    answer = answer if isinstance(answer, str) else repr(answer)
    return ("success" if answer == ACK else "failed"), answer


def retry(w: World, note_pk: int) -> None:
    """The scheduled retry of a notification (nothing if it was acknowledged meanwhile)."""
    note = w.db.get(Notification, note_pk)
    if note is None or note.status != NotifyStatus.PENDING:
        return
    deliver(w, note)


def return_params(w: World, trade: Trade) -> dict[str, str]:
    """The signed synchronous return parameters (never proof of payment: merchants must verify)."""
    app = trade.app
    params = {
        "charset": "utf-8",
        "out_trade_no": trade.out_trade_no,
        "method": "alipay.trade.page.pay.return",
        "total_amount": yuan(trade.total_fen),
        "trade_no": trade.trade_no,
        "auth_app_id": app.app_id,
        "version": "1.0",
        "app_id": app.app_id,
        "sign_type": "RSA2",
        "seller_id": app.seller_id,
        "timestamp": timestamp(w.now()),
    }
    params["sign"] = platform_sign(w, params)
    return params


def return_location(w: World, trade: Trade) -> str | None:
    """Where the cashier sends the buyer after paying: the return URL's path in the world, signed."""
    url = trade.return_url or trade.app.return_url
    path = local_path(url) if url else None
    if path is None:
        return None
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}{urlencode(return_params(w, trade))}"


def buyer_logon_id(email: str | None) -> str:
    """How the buyer is named to the merchant."""
    return mask_email(email) if email else ""
