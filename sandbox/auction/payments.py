"""The winner pays through the payment platform (云鹊支付), into the site's escrow account (担保交易).

The site is a merchant of the platform: on the first payment it opens its escrow account at the bank,
signs up an app settling into it, makes its key pair and keeps the platform's public key. A payment is a
signed page.pay request the buyer's browser carries to the platform's cashier (the same request each
time, while its signature holds). The site learns that a lot is paid only in a way it can verify: a
notification signed by the platform (its app, the lot's amount) or a trade query it signs itself; the
buyer's return from the cashier only makes it ask. Money moves only through the bank and the platform.
Passing the money on to the seller (after the buyer confirms receipt) is not built.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from sandbox.auction.models import UNPAID, AuctionMember, Lot, LotStatus, PaySetup
from sandbox.bank import services as bank
from sandbox.bank.models import AccountKind, BankAccount
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.gateway import services as gateway
from sandbox.parsing import parse_yuan
from sandbox.worlds.world import World

SITE_ORIGIN = "https://paimai.sim"
NOTIFY_PATH = "/auction/pay/notify"
RETURN_PATH = "/auction/pay/return"
GATEWAY_URL = "/gateway/gateway.do"
ESCROW_ACCOUNT_NO = "ICBC-PAIMAI-ESCROW"
ESCROW_BANK = "ICBC"
SITE_NAME = "云拍拍卖"
PAID_STATUSES = ("TRADE_SUCCESS", "TRADE_FINISHED")
_TRADE_NO = re.compile(r"PM([0-9]{8})(?:R[0-9]{1,3})?", re.ASCII)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def amount_due(lot: Lot) -> int:
    """What the winner pays: the final price and the shipping fee (fen)."""
    return (lot.final_price or 0) + (lot.shipping_fee or 0)


def out_trade_no(lot: Lot) -> str:
    """The site's trade number of the lot's current payment request (PM + 8 digits, then R + the try
    after an earlier trade closed unpaid)."""
    if lot.payment_request:
        return str(json.loads(lot.payment_request["biz_content"])["out_trade_no"])
    return f"PM{lot.id:08d}"


def setup(w: World) -> PaySetup:
    """The site's payment setup, made on first use."""
    found = w.db.scalars(select(PaySetup)).first()
    if found is not None:
        return found
    account = w.db.scalars(select(BankAccount).where(BankAccount.number == ESCROW_ACCOUNT_NO)).first()
    if account is None:
        account = bank.open_account(
            w,
            bank_code=ESCROW_BANK,
            number=ESCROW_ACCOUNT_NO,
            holder=f"{SITE_NAME}担保交易专户",
            kind=AccountKind.MERCHANT,
        )
    app = gateway.open_merchant(w, name=SITE_NAME, settlement_account_no=account.number)
    private_pem, public_pem = gateway.generate_key_pair()
    gateway.set_app_public_key(w, app, public_pem)
    gateway.set_app_urls(w, app, notify_url=SITE_ORIGIN + NOTIFY_PATH, return_url=SITE_ORIGIN + RETURN_PATH)
    found = PaySetup(
        app_id=app.app_id,
        account_no=account.number,
        private_key_pem=private_pem,
        platform_public_key_pem=gateway.platform_public_key(w),
        created_at=w.now(),
    )
    w.db.add(found)
    w.db.flush()
    return found


def _api_request(w: World, conf: PaySetup, method: str, biz: dict[str, str], **extra: str) -> dict[str, str]:
    params = {
        "app_id": conf.app_id,
        "method": method,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": f"{w.now():%Y-%m-%d %H:%M:%S}",
        "version": "1.0",
        **extra,
        "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
    }
    params["sign"] = gateway.sign(params, conf.private_key_pem)
    return params


def payment_request(w: World, member: AuctionMember, lot: Lot) -> dict[str, str]:
    """The signed page.pay request for a lot the member won and has not paid yet."""
    if lot.winner_id != member.id:
        raise Forbidden(N_("只有买家可以为该拍品付款"))
    if lot.status == LotStatus.PAID:
        raise Conflict(N_("该拍品已付款"))
    if lot.status == LotStatus.LAPSED:
        raise Conflict(N_("已超过付款期限，这笔交易已取消"))
    if lot.status not in UNPAID:
        raise Conflict(N_("该拍品当前不能付款"))
    conf = setup(w)
    number = f"PM{lot.id:08d}"
    if lot.payment_request:
        answer = _query(w, conf, lot)
        if answer.get("trade_status") != "TRADE_CLOSED":
            return dict(lot.payment_request)  # not at the cashier yet, or waiting there: the same request
        tries = out_trade_no(lot).partition("R")[2]
        number = f"PM{lot.id:08d}R{int(tries or 1) + 1}"  # the trade closed unpaid: a new one
    biz = {
        "out_trade_no": number,
        "total_amount": _yuan(amount_due(lot)),
        "subject": f"{SITE_NAME} 拍品 {lot.title}"[:120],
        "product_code": "FAST_INSTANT_TRADE_PAY",
        "timeout_express": "30m",
    }
    lot.payment_request = _api_request(
        w, conf, "alipay.trade.page.pay", biz, return_url=SITE_ORIGIN + RETURN_PATH
    )
    w.emit("auction.payment_requested", lot_id=lot.id, buyer=member.login, amount_fen=amount_due(lot))
    return dict(lot.payment_request)


def lot_of_trade(w: World, number: str) -> Lot | None:
    """The lot of a trade number (PM + 8 digits), if any."""
    match = _TRADE_NO.fullmatch((number or "").strip())
    lot = w.db.get(Lot, int(match[1])) if match else None
    if lot is None or out_trade_no(lot) != match[0]:
        return None  # an unknown lot, or an earlier request's number (its trade closed unpaid)
    return lot


def _mark_paid(w: World, lot: Lot, trade_no: str, via: str) -> bool:
    if lot.status != LotStatus.WON and lot.status != LotStatus.BOUGHT:
        return False
    lot.status, lot.paid_at, lot.trade_no = LotStatus.PAID, w.now(), trade_no[:64]
    w.emit(
        "auction.paid",
        lot_id=lot.id,
        buyer=lot.winner.login if lot.winner else None,
        amount_fen=amount_due(lot),
        trade_no=trade_no,
        via=via,
    )
    w.db.flush()
    return True


def receive_notification(w: World, url: str, params: dict[str, Any]) -> str:
    """The site's notify URL: a notification signed by the platform for the site's app and the lot's
    amount marks the lot paid (once); answers `success` or `fail` as the platform expects."""
    params = {str(k): str(v) for k, v in params.items()}
    conf = w.db.scalars(select(PaySetup)).first()
    lot = lot_of_trade(w, params.get("out_trade_no", ""))
    ok = (
        conf is not None
        and gateway.verify(params, conf.platform_public_key_pem)
        and params.get("app_id") == conf.app_id
        and lot is not None
    )
    if ok:
        try:
            ok = parse_yuan(params.get("total_amount", "")) == amount_due(lot)
        except DomainError:
            ok = False
    w.emit(
        "auction.payment_notice",
        out_trade_no=params.get("out_trade_no", "")[:64],
        trade_status=params.get("trade_status", "")[:32],
        accepted=bool(ok),
    )
    if not ok:
        return "fail"
    if params.get("trade_status") in PAID_STATUSES:
        _mark_paid(w, lot, params.get("trade_no", ""), "notify")
    return "success"


def _query(w: World, conf: PaySetup, lot: Lot) -> dict[str, str]:
    """The platform's answer to a signed query about the lot's current trade."""
    biz = {"out_trade_no": out_trade_no(lot)}
    return gateway.query_trade(w, _api_request(w, conf, "alipay.trade.query", biz))


def confirm_by_query(w: World, lot: Lot) -> bool:
    """Ask the platform (a signed trade query) whether the lot's trade is paid; record it if so."""
    if lot.status == LotStatus.PAID:
        return True
    conf = w.db.scalars(select(PaySetup)).first()
    if conf is None or not lot.payment_request:
        return False
    answer = _query(w, conf, lot)
    if answer.get("code") != "10000" or answer.get("trade_status") not in PAID_STATUSES:
        return False
    try:
        if parse_yuan(str(answer.get("total_amount", ""))) != amount_due(lot):
            return False
    except DomainError:
        return False
    return _mark_paid(w, lot, str(answer.get("trade_no", "")), "query") or lot.status == LotStatus.PAID


def trade_waiting(w: World, lot: Lot) -> bool:
    """Whether the lot's current trade is still open at the cashier (it closes unpaid after 30 minutes)."""
    conf = w.db.scalars(select(PaySetup)).first()
    if conf is None or not lot.payment_request:
        return False
    return _query(w, conf, lot).get("trade_status") == "WAIT_BUYER_PAY"


def lot_for_return(w: World, number: str) -> Lot:
    """The lot a buyer comes back from the cashier about, or NotFound."""
    lot = lot_of_trade(w, number)
    if lot is None:
        raise NotFound(N_("拍品不存在"))
    return lot


gateway.register_notify_receiver(NOTIFY_PATH, receive_notification)
