"""Trades: the signed open API (page.pay, query, refund, close) and the trade's state machine.

WAIT_BUYER_PAY → TRADE_SUCCESS (paid) → TRADE_FINISHED (the merchant ends it in the console, or the
refund period of 90 days on the world clock passes: no refund after that), or → TRADE_CLOSED
(unpaid past its timeout, closed by the merchant, or refunded in full). Nothing else is allowed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank.models import BankAccount
from sandbox.errors import N_, Conflict, DomainError
from sandbox.gateway import signing
from sandbox.gateway.codes import SUCCESS, GatewayError
from sandbox.gateway.merchants import world_part
from sandbox.gateway.models import (
    TRANSITIONS,
    MerchantApp,
    PlatformUser,
    Refund,
    Trade,
    TradeStatus,
)
from sandbox.gateway.notify import buyer_logon_id, notify, timestamp, yuan
from sandbox.worlds import npc
from sandbox.worlds.world import World

PAGE_PAY = "alipay.trade.page.pay"
QUERY = "alipay.trade.query"
REFUND = "alipay.trade.refund"
CLOSE = "alipay.trade.close"
METHODS = (PAGE_PAY, QUERY, REFUND, CLOSE)
PRODUCT_CODE = "FAST_INSTANT_TRADE_PAY"
MIN_FEN = 1  # 0.01
MAX_FEN = 10_000_000_000  # 100000000.00
DEFAULT_TIMEOUT = timedelta(days=15)
MAX_TIMEOUT = timedelta(days=15)
REFUND_PERIOD = timedelta(days=90)
MAX_BIZ_CONTENT = 10_000
PLATFORM_NAME = "云鹊支付"
CLOSE_ACTION = "gateway.close_expired"
FINISH_ACTION = "gateway.finish_trade"

_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_OUT_NO = re.compile(r"[A-Za-z0-9_\-.]{1,64}")
_TIMEOUT = re.compile(r"([1-9][0-9]{0,5})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


# --- Reading a request -----------------------------------------------------------------------------


def clean(params: Mapping[str, Any]) -> dict[str, str]:
    """Request parameters as plain strings (a form's first values)."""
    return {str(k): str(v) for k, v in list(params.items())[:60] if v is not None}


def authenticate(w: World, params: dict[str, str], method: str) -> MerchantApp:
    """Check the public parameters and the signature; the app, or GatewayError."""
    from sandbox.gateway.merchants import app_by_id

    if not params.get("app_id"):
        raise GatewayError("isv.missing-app-id")
    try:
        app = app_by_id(w, params["app_id"][:32])
    except DomainError:
        raise GatewayError("isv.invalid-app-id") from None
    if not params.get("method"):
        raise GatewayError("isv.missing-method")
    if params["method"] != method:
        raise GatewayError("isv.invalid-method", params["method"][:64])
    if params.get("format", "JSON").upper() != "JSON":
        raise GatewayError("isv.invalid-format")
    if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise GatewayError("isv.invalid-charset")
    if not params.get("sign_type"):
        raise GatewayError("isv.missing-signature-type")
    if params["sign_type"] != "RSA2":
        raise GatewayError("isv.invalid-signature-type")
    if not params.get("sign"):
        raise GatewayError("isv.missing-signature")
    if not params.get("timestamp"):
        raise GatewayError("isv.missing-timestamp")
    if not _valid_timestamp(params["timestamp"]):
        raise GatewayError("isv.invalid-timestamp")
    if not params.get("version"):
        raise GatewayError("isv.missing-version")
    if params["version"] != "1.0":
        raise GatewayError("isv.invalid-version")
    if not app.public_key_pem:
        raise GatewayError("isv.missing-signature-config")
    if not signing.verify(params, app.public_key_pem):
        raise GatewayError("isv.invalid-signature")
    return app


def _valid_timestamp(text: str) -> bool:
    if not _TIMESTAMP.fullmatch(text):
        return False
    try:
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


def biz_content(params: dict[str, str]) -> dict[str, str]:
    """The JSON business parameters, every value as its text (numbers keep their literal form)."""
    text = params.get("biz_content", "")
    if not text:
        raise GatewayError("ACQ.INVALID_PARAMETER", "biz_content")
    if len(text) > MAX_BIZ_CONTENT:
        raise GatewayError("ACQ.INVALID_PARAMETER", "biz_content")
    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=lambda _: None)
    except (ValueError, RecursionError):
        raise GatewayError("ACQ.INVALID_PARAMETER", "biz_content 不是合法的 JSON") from None
    if not isinstance(data, dict):
        raise GatewayError("ACQ.INVALID_PARAMETER", "biz_content")
    # Anything but text (a list, an object, true) becomes a control character: refused where read.
    return {str(k): v if isinstance(v, str) else "\x00" for k, v in data.items() if v is not None}


def _text(biz: dict[str, str], name: str, max_len: int, *, required: bool = False) -> str:
    value = biz.get(name, "")
    if len(value) > max_len or any(ord(c) < 32 for c in value):
        raise GatewayError("ACQ.INVALID_PARAMETER", name)
    if required and not value.strip():
        raise GatewayError("ACQ.INVALID_PARAMETER", f"{name} 不能为空")
    return value


def parse_amount(text: str, name: str) -> int:
    """An amount in yuan (at most two decimals, 0.01 or more) as fen; GatewayError otherwise."""
    text = text or ""
    if not _AMOUNT.fullmatch(text):
        raise GatewayError("ACQ.INVALID_PARAMETER", f"{name} 格式错误，应为最多两位小数的金额（元）")
    whole, _, frac = text.partition(".")
    fen = int(whole) * 100 + (int(frac.ljust(2, "0")) if frac else 0)
    if fen < MIN_FEN:
        raise GatewayError("ACQ.INVALID_PARAMETER", f"{name} 必须大于 0")
    return fen


def _timeout(text: str) -> timedelta:
    if not text:
        return DEFAULT_TIMEOUT
    match = _TIMEOUT.fullmatch(text)
    if not match:
        raise GatewayError("ACQ.INVALID_PARAMETER", "timeout_express")
    value = timedelta(**{_UNITS[match[2]]: int(match[1])})
    if value > MAX_TIMEOUT:
        raise GatewayError("ACQ.INVALID_PARAMETER", "timeout_express 取值范围 1m～15d")
    return value


def _url(params: dict[str, str], name: str) -> str:
    from sandbox.gateway.merchants import check_url

    try:
        return check_url(params.get(name, ""), name)
    except DomainError:
        raise GatewayError("ACQ.INVALID_PARAMETER", name) from None


# --- page.pay --------------------------------------------------------------------------------------


def _trade_no(w: World) -> str:
    seq = (w.db.scalar(select(func.count(Trade.id))) or 0) + 1
    return f"{w.now():%Y%m%d}2200{world_part(w):06d}{seq:010d}"


def create_trade(w: World, params: Mapping[str, Any]) -> Trade:
    """page.pay: check the signed request and create the trade (or return the same request's trade)."""
    params = clean(params)
    app = authenticate(w, params, PAGE_PAY)
    biz = biz_content(params)
    out_trade_no = _text(biz, "out_trade_no", 64, required=True)
    if not _OUT_NO.fullmatch(out_trade_no):
        raise GatewayError("ACQ.INVALID_PARAMETER", "out_trade_no 只能包含字母、数字、下划线")
    total = parse_amount(biz.get("total_amount", ""), "total_amount")
    if total > MAX_FEN:
        raise GatewayError("ACQ.TOTAL_FEE_EXCEED", "total_amount 取值范围 0.01～100000000.00")
    subject = _text(biz, "subject", 256, required=True)
    product_code = _text(biz, "product_code", 32) or PRODUCT_CODE
    if product_code != PRODUCT_CODE:
        raise GatewayError("ACQ.INVALID_PARAMETER", "product_code 应为 FAST_INSTANT_TRADE_PAY")
    timeout = _timeout(_text(biz, "timeout_express", 8))
    notify_url, return_url = _url(params, "notify_url"), _url(params, "return_url")
    digest = hashlib.sha256(
        json.dumps([out_trade_no, total, subject, product_code], ensure_ascii=False).encode()
    ).hexdigest()
    existing = w.db.scalars(
        select(Trade).where(Trade.app_pk == app.id, Trade.out_trade_no == out_trade_no)
    ).first()
    if existing is not None:
        if existing.request_digest != digest:
            raise GatewayError("ACQ.CONTEXT_INCONSISTENT", "同一 out_trade_no 的交易信息不一致")
        if existing.status in (TradeStatus.TRADE_SUCCESS, TradeStatus.TRADE_FINISHED):
            raise GatewayError("ACQ.TRADE_HAS_SUCCESS")
        if existing.status == TradeStatus.TRADE_CLOSED:
            raise GatewayError("ACQ.TRADE_HAS_CLOSE")
        return existing
    now = w.now()
    trade = Trade(
        trade_no=_trade_no(w),
        app_pk=app.id,
        out_trade_no=out_trade_no,
        subject=subject,
        total_fen=total,
        product_code=product_code,
        request_digest=digest,
        notify_url=notify_url,
        return_url=return_url,
        status=TradeStatus.WAIT_BUYER_PAY,
        created_at=now,
        expires_at=now + timeout,
    )
    w.db.add(trade)
    w.db.flush()
    npc.schedule(w, trade.expires_at, CLOSE_ACTION, trade=trade.id)
    w.emit(
        "gateway.trade_created",
        app_id=app.app_id,
        trade_no=trade.trade_no,
        out_trade_no=out_trade_no,
        amount_fen=total,
        subject=subject,
    )
    return trade


def cashier_url(trade: Trade) -> str:
    """Path of the cashier page for the trade."""
    return f"/gateway/cashier/{trade.trade_no}"


# --- State changes ---------------------------------------------------------------------------------


def _move(trade: Trade, to: str) -> None:
    """Change the trade's status, refusing an illegal transition."""
    if to not in TRANSITIONS[trade.status]:
        raise Conflict(N_("交易状态不允许此操作"))
    trade.status = to


def pay(w: World, trade: Trade, payer: BankAccount, channel: str, user: PlatformUser | None = None) -> Trade:
    """The buyer pays: one journal entry from the paying account to the merchant's, then notify."""
    if close_if_expired(w, trade):
        raise Conflict(N_("交易已超时关闭，请返回商户重新下单"))
    if trade.status in (TradeStatus.TRADE_SUCCESS, TradeStatus.TRADE_FINISHED):
        raise Conflict(N_("该交易已支付，请勿重复付款"))
    if trade.status != TradeStatus.WAIT_BUYER_PAY:
        raise Conflict(N_("交易已关闭，不能付款"))
    payee = bank.find_account(w, trade.app.settlement_account_no)
    bank.transfer(
        w,
        payer,
        payee,
        trade.total_fen,
        f"{PLATFORM_NAME}-{trade.app.name}"[:120],
        trade.trade_no,
        kind="payment",
    )
    _move(trade, TradeStatus.TRADE_SUCCESS)
    trade.paid_at = w.now()
    trade.pay_channel = channel
    trade.buyer_account_no = payer.number
    trade.buyer_user_pk = user.id if user else None
    trade.buyer_logon_id = buyer_logon_id(user.email) if user else ""
    w.db.flush()
    w.emit(
        "gateway.trade_paid",
        app_id=trade.app.app_id,
        trade_no=trade.trade_no,
        out_trade_no=trade.out_trade_no,
        amount_fen=trade.total_fen,
        channel=channel,
        account_no=payer.number,
    )
    npc.schedule(w, trade.paid_at + REFUND_PERIOD, FINISH_ACTION, trade=trade.id)
    notify(w, trade, "paid")
    return trade


def close_if_expired(w: World, trade: Trade) -> bool:
    """Close an unpaid trade whose time is up; whether it is closed now."""
    if trade.status == TradeStatus.WAIT_BUYER_PAY and w.now() >= trade.expires_at:
        close(w, trade, "timeout")
    return trade.status == TradeStatus.TRADE_CLOSED


def close(w: World, trade: Trade, reason: str) -> Trade:
    """Close a trade (unpaid: timeout or merchant; paid: refunded in full) and notify."""
    _move(trade, TradeStatus.TRADE_CLOSED)
    trade.closed_at = w.now()
    trade.close_reason = reason
    w.db.flush()
    w.emit(
        "gateway.trade_closed",
        actor="system" if reason == "timeout" else None,
        app_id=trade.app.app_id,
        trade_no=trade.trade_no,
        out_trade_no=trade.out_trade_no,
        reason=reason,
    )
    if reason != "refunded":  # a full refund's notification already says TRADE_CLOSED
        notify(w, trade, "closed")
    return trade


def finish(w: World, trade: Trade, by: str) -> Trade:
    """End a paid trade (no refund after this): the merchant's choice, or the refund period is over."""
    if trade.status != TradeStatus.TRADE_SUCCESS:
        raise Conflict(N_("只有支付成功的交易可以结束"))
    _move(trade, TradeStatus.TRADE_FINISHED)
    trade.finished_at = w.now()
    w.db.flush()
    w.emit(
        "gateway.trade_finished",
        actor="system" if by == "refund_period" else None,
        app_id=trade.app.app_id,
        trade_no=trade.trade_no,
        out_trade_no=trade.out_trade_no,
        by=by,
    )
    notify(w, trade, "finished")
    return trade


def refund(
    w: World, trade: Trade, *, amount: str, out_request_no: str, reason: str, via: str
) -> tuple[Refund, bool]:
    """Refund part or all of a paid trade back to the account that paid; (refund, newly made).

    The same out_request_no refunds once: repeating it returns the first refund. GatewayError when
    refused (the caller records the refusal).
    """
    out_request_no = out_request_no or trade.out_trade_no
    if not _OUT_NO.fullmatch(out_request_no):
        raise GatewayError("ACQ.INVALID_PARAMETER", "out_request_no 只能包含字母、数字、下划线，最长 64 位")
    if len(reason) > 256 or any(ord(c) < 32 for c in reason):
        raise GatewayError("ACQ.INVALID_PARAMETER", "refund_reason")
    fen = parse_amount(amount, "refund_amount")
    existing = w.db.scalars(
        select(Refund).where(Refund.trade_pk == trade.id, Refund.out_request_no == out_request_no)
    ).first()
    if existing is not None:
        if existing.amount_fen != fen:
            raise GatewayError("ACQ.CONTEXT_INCONSISTENT", "同一 out_request_no 的退款金额不一致")
        return existing, False
    if trade.status == TradeStatus.WAIT_BUYER_PAY:
        raise GatewayError("ACQ.TRADE_STATUS_ERROR", "交易未支付")
    if trade.status == TradeStatus.TRADE_CLOSED:
        raise GatewayError("ACQ.TRADE_HAS_CLOSE")
    if trade.status == TradeStatus.TRADE_FINISHED:
        raise GatewayError("ACQ.TRADE_HAS_FINISHED")
    if fen > trade.refundable_fen:
        raise GatewayError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", f"可退金额 {yuan(trade.refundable_fen)} 元")
    merchant = bank.find_account(w, trade.app.settlement_account_no)
    payer = bank.find_account(w, trade.buyer_account_no or "")
    try:
        bank.transfer(
            w,
            merchant,
            payer,
            fen,
            f"{PLATFORM_NAME}退款-{trade.app.name}"[:120],
            trade.trade_no,
            kind="refund",
        )
    except DomainError:
        raise GatewayError("ACQ.SELLER_BALANCE_NOT_ENOUGH") from None
    made = Refund(
        out_request_no=out_request_no,
        amount_fen=fen,
        reason=reason,
        via=via,
        created_at=w.now(),
    )
    trade.refunds.append(made)
    trade.refunded_fen += fen
    w.db.flush()
    w.emit(
        "gateway.refund_succeeded",
        app_id=trade.app.app_id,
        trade_no=trade.trade_no,
        out_trade_no=trade.out_trade_no,
        out_request_no=out_request_no,
        amount_fen=fen,
        refunded_fen=trade.refunded_fen,
        reason=reason,
        via=via,
        account_no=payer.number,
    )
    if trade.refunded_fen == trade.total_fen:
        close(w, trade, "refunded")
    notify(w, trade, "refunded", made)
    return made, True


def record_refusal(w: World, app: MerchantApp, trade: Trade | None, exc: GatewayError, **what: str) -> None:
    """Record a refused refund (what was asked, and the code it was refused with)."""
    w.emit(
        "gateway.refund_refused",
        app_id=app.app_id,
        trade_no=trade.trade_no if trade else "",
        out_trade_no=trade.out_trade_no if trade else what.get("out_trade_no", "")[:64],
        amount=what.get("amount", "")[:40],
        out_request_no=what.get("out_request_no", "")[:64],
        reason=what.get("reason", "")[:256],
        via=what.get("via", "api"),
        code=exc.code,
        sub_code=exc.sub_code,
        sub_msg=exc.sub_msg,
    )


# --- The other API methods -------------------------------------------------------------------------


def find_trade(w: World, app: MerchantApp, biz: dict[str, str]) -> Trade:
    """The app's trade named by trade_no and/or out_trade_no in the business parameters."""
    trade_no = _text(biz, "trade_no", 64)
    out_trade_no = _text(biz, "out_trade_no", 64)
    if not trade_no and not out_trade_no:
        raise GatewayError("ACQ.INVALID_PARAMETER", "out_trade_no 和 trade_no 不能同时为空")
    q = select(Trade).where(Trade.app_pk == app.id)
    if trade_no:
        q = q.where(Trade.trade_no == trade_no)
    if out_trade_no:
        q = q.where(Trade.out_trade_no == out_trade_no)
    trade = w.db.scalars(q).first()
    if trade is None:
        raise GatewayError("ACQ.TRADE_NOT_EXIST")
    return trade


def trade_answer(trade: Trade) -> dict[str, str]:
    """A trade as the query API describes it."""
    answer = {
        **SUCCESS,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": trade.buyer_logon_id,
        "trade_status": trade.status,
        "total_amount": yuan(trade.total_fen),
        "buyer_pay_amount": yuan(trade.total_fen) if trade.paid_at else "",
        "receipt_amount": yuan(trade.total_fen) if trade.paid_at else "",
        "send_pay_date": timestamp(trade.paid_at),
        "buyer_user_id": trade.buyer.user_id if trade.buyer else "",
        "subject": trade.subject,
    }
    return {k: v for k, v in answer.items() if v != ""}


def query_trade(w: World, params: Mapping[str, Any]) -> dict[str, str]:
    """alipay.trade.query: the trade's state, or the error as code/sub_code (never raises)."""
    params = clean(params)
    try:
        app = authenticate(w, params, QUERY)
        trade = find_trade(w, app, biz_content(params))
        close_if_expired(w, trade)
    except GatewayError as exc:
        return exc.answer()
    return trade_answer(trade)


def refund_answer(trade: Trade, made: Refund, new: bool) -> dict[str, str]:
    """A refund as the refund API answers it (refund_fee is the total refunded so far)."""
    answer = {
        **SUCCESS,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": trade.buyer_logon_id,
        "fund_change": "Y" if new else "N",
        "refund_fee": yuan(trade.refunded_fen),
        "send_back_fee": yuan(made.amount_fen),
        "gmt_refund_pay": timestamp(made.created_at),
        "buyer_user_id": trade.buyer.user_id if trade.buyer else "",
    }
    return {k: v for k, v in answer.items() if v != ""}


def refund_trade(w: World, params: Mapping[str, Any]) -> dict[str, str]:
    """alipay.trade.refund: refund (idempotent by out_request_no), or the error (never raises)."""
    params = clean(params)
    try:
        app = authenticate(w, params, REFUND)
    except GatewayError as exc:
        return exc.answer()
    trade = None
    asked: dict[str, str] = {}
    try:
        biz = biz_content(params)
        asked = {
            "amount": biz.get("refund_amount", ""),
            "out_request_no": biz.get("out_request_no", ""),
            "reason": biz.get("refund_reason", ""),
            "out_trade_no": biz.get("out_trade_no", ""),
        }
        trade = find_trade(w, app, biz)
        made, new = refund(
            w,
            trade,
            amount=asked["amount"],
            out_request_no=_text(biz, "out_request_no", 64),
            reason=_text(biz, "refund_reason", 256),
            via="api",
        )
    except GatewayError as exc:
        record_refusal(w, app, trade, exc, via="api", **asked)
        answer = exc.answer()
        if trade is not None:
            answer.update(out_trade_no=trade.out_trade_no, refund_fee=yuan(trade.refunded_fen))
        return answer
    return refund_answer(trade, made, new)


def close_trade(w: World, params: Mapping[str, Any]) -> dict[str, str]:
    """alipay.trade.close: close an unpaid trade, or the error (never raises)."""
    params = clean(params)
    try:
        app = authenticate(w, params, CLOSE)
        trade = find_trade(w, app, biz_content(params))
        close_unpaid(w, trade, "merchant")
    except GatewayError as exc:
        return exc.answer()
    return {**SUCCESS, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


def close_unpaid(w: World, trade: Trade, reason: str) -> Trade:
    """Close a trade that is still waiting for payment; GatewayError otherwise."""
    close_if_expired(w, trade)
    if trade.status == TradeStatus.TRADE_CLOSED:
        raise GatewayError("ACQ.TRADE_HAS_CLOSE")
    if trade.status != TradeStatus.WAIT_BUYER_PAY:
        raise GatewayError("ACQ.TRADE_STATUS_ERROR", "已支付的交易不能关闭，请使用退款")
    return close(w, trade, reason)
