"""The shops' side of the payment platform: signed page.pay requests, notifications, trade queries.

A shop learns that an order is paid only in a way it can verify: a notification signed with the
platform's key (checked against the key the shop configured, for the shop's app id and the order's
amount, and counted once per notify id) or a trade query the shop signs itself. The buyer's return
from the cashier is never trusted by itself: it only makes the shop ask the platform.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.gateway import services as gateway
from sandbox.orders.models import Order, OrderStatus, PaymentStatus
from sandbox.orders.payment_models import PaymentNotice, SetupManager, ShopPaymentSetup, TrialPayment, Verdict
from sandbox.parsing import parse_yuan
from sandbox.storefront.models import Shop
from sandbox.worlds.world import World

MALL_ORIGIN = "https://mall.sim"
# The platform's public API address (like Alipay's https://openapi.alipay.com/gateway.do).
GATEWAY_URL = "/gateway/gateway.do"
NOTIFY_PATH = "/shop/pay/notify/"
RETURN_PATH = "/shop/pay/return"
PAID_STATUSES = ("TRADE_SUCCESS", "TRADE_FINISHED")
MAX_PEM_LENGTH = 10_000
MAX_TRIAL_FEN = 5_000_000  # a trial payment is a small test: at most ¥50,000


def shop_code(shop: Shop) -> str:
    """The shop's code in its URLs (S001 …)."""
    return f"S{shop.id:03d}"


def notify_url(shop: Shop) -> str:
    """Where the platform should send this shop's notifications."""
    return f"{MALL_ORIGIN}{NOTIFY_PATH}{shop_code(shop)}"


def return_url() -> str:
    """Where the cashier sends the buyer back to."""
    return f"{MALL_ORIGIN}{RETURN_PATH}"


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _timestamp(w: World) -> str:
    return f"{w.now():%Y-%m-%d %H:%M:%S}"


# --- Settings ------------------------------------------------------------------------------------


def open_setup(
    w: World,
    shop: Shop,
    *,
    managed_by: str = SetupManager.WORLD,
) -> ShopPaymentSetup:
    """Sign the shop up with the platform: an app settling to the shop's bank account."""
    app = gateway.open_merchant(w, name=shop.name, settlement_account_no=shop.bank_account_no)
    if managed_by == SetupManager.WORLD:  # the world's shops were set up by their own staff
        gateway.set_app_urls(w, app, notify_url=notify_url(shop), return_url=return_url())
    setup = ShopPaymentSetup(
        shop_id=shop.id,
        app_id=app.app_id,
        managed_by=managed_by,
    )
    w.db.add(setup)
    w.db.flush()
    return setup


def setup_of(w: World, shop_id: int) -> ShopPaymentSetup:
    """The shop's settings (every shop has them), or NotFound."""
    setup = w.db.scalars(select(ShopPaymentSetup).where(ShopPaymentSetup.shop_id == shop_id)).first()
    if setup is None:
        raise NotFound(N_("该商家未开通在线支付"))
    return setup


def ready_setup(w: World, shop_id: int) -> ShopPaymentSetup:
    """The shop's settings, able to sign: a world shop's keys are made on its first sale."""
    setup = setup_of(w, shop_id)
    if setup.ready:
        return setup
    if setup.managed_by != SetupManager.WORLD:
        raise Conflict(N_("该商家尚未完成支付接入配置，暂时无法付款"))
    return connect(w, setup)


def connect(w: World, setup: ShopPaymentSetup) -> ShopPaymentSetup:
    """Do what a shop's staff do to connect it: a key pair, the public half uploaded, the platform's
    key saved, the notify and return URLs set."""
    private_pem, public_pem = gateway.generate_key_pair()
    app = gateway.app_by_id(w, setup.app_id)
    gateway.set_app_public_key(w, app, public_pem)
    gateway.set_app_urls(w, app, notify_url=notify_url(setup.shop), return_url=return_url())
    setup.merchant_private_key_pem = private_pem
    setup.platform_public_key_pem = gateway.platform_public_key(w)
    setup.updated_at = w.now()
    return setup


def save_keys(w: World, setup: ShopPaymentSetup, private_key_pem: str, platform_public_key_pem: str) -> None:
    """Store the shop's private key and the platform's public key after checking both."""
    private_key_pem = (private_key_pem or "").strip()
    platform_public_key_pem = (platform_public_key_pem or "").strip()
    if len(private_key_pem) > MAX_PEM_LENGTH or len(platform_public_key_pem) > MAX_PEM_LENGTH:
        raise DomainError(N_("密钥内容过长"))
    if private_key_pem:
        check_private_key(private_key_pem)
        setup.merchant_private_key_pem = private_key_pem + "\n"
    if platform_public_key_pem:
        gateway.load_public_key(platform_public_key_pem)
        setup.platform_public_key_pem = platform_public_key_pem + "\n"
    if not private_key_pem and not platform_public_key_pem:
        raise DomainError(N_("请填写应用私钥或支付平台公钥"))
    setup.updated_at = w.now()
    w.emit(
        "shop.payment_keys_saved",
        shop_id=setup.shop_id,
        private_key=bool(private_key_pem),
        platform_public_key=bool(platform_public_key_pem),
    )


# --- Paying --------------------------------------------------------------------------------------


def _page_pay(w: World, setup: ShopPaymentSetup, out_trade_no: str, amount_fen: int, subject: str) -> dict:
    biz = {
        "out_trade_no": out_trade_no,
        "total_amount": _yuan(amount_fen),
        "subject": subject[:120],
        "product_code": "FAST_INSTANT_TRADE_PAY",
        "timeout_express": "30m",
    }
    return api_request(w, setup, "alipay.trade.page.pay", biz, return_url=return_url())


def order_payment_request(w: World, order: Order) -> dict[str, str]:
    """The signed page.pay request for an unpaid order (the same one each time it is paid for)."""
    if order.status != OrderStatus.OPEN or order.payment_status != PaymentStatus.UNPAID:
        raise Conflict(N_("该订单当前不能付款"))
    setup = ready_setup(w, order.shop_id)
    if order.payment_request and gateway.verify(order.payment_request, _public_of(setup)):
        return dict(order.payment_request)
    order.payment_request = _page_pay(
        w, setup, order.out_trade_no, order.total_fen, f"优选商城订单 {order.number}"
    )
    w.emit("payment.requested", order_no=order.number, app_id=setup.app_id, amount_fen=order.total_fen)
    return dict(order.payment_request)


def _public_of(setup: ShopPaymentSetup) -> str:
    """The public half of the shop's own key (to tell whether a stored request is still signed by it)."""
    return public_half(setup.merchant_private_key_pem)


@functools.lru_cache(maxsize=64)
def public_half(private_key_pem: str) -> str:
    """The public key (PEM) of a private key (PEM); kept, as loading a private key checks it (slow)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def check_private_key(pem: str) -> None:
    """Refuse anything but an unencrypted RSA private key of at least 2048 bits, in PEM."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise DomainError(
            N_("应用私钥格式不正确，请粘贴完整的 PEM 私钥（-----BEGIN PRIVATE KEY-----）")
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise DomainError(N_("应用私钥必须是 2048 位或以上的 RSA 私钥"))


def start_trial(w: World, setup: ShopPaymentSetup, raw_amount: str) -> dict[str, str]:
    """A test payment of the amount the merchant typed, to try the integration end to end."""
    amount = parse_yuan(raw_amount)
    if not amount:
        raise DomainError(N_("请输入大于零的测试金额"))
    if amount > MAX_TRIAL_FEN:
        raise DomainError(N_("测试金额不能超过 %(max)s 元"), max=_yuan(MAX_TRIAL_FEN))
    if not setup.ready:
        raise Conflict(N_("请先保存应用私钥和支付平台公钥"))
    seq = len(list(w.db.scalars(select(TrialPayment.id).where(TrialPayment.shop_id == setup.shop_id)))) + 1
    out_trade_no = f"TEST{w.now():%Y%m%d}{setup.shop_id:03d}{seq:03d}"
    request = _page_pay(w, setup, out_trade_no, amount, f"{setup.shop.name} 支付联调测试")
    w.db.add(
        TrialPayment(
            shop_id=setup.shop_id,
            out_trade_no=out_trade_no,
            amount_fen=amount,
            created_at=w.now(),
            request=request,
        )
    )
    w.emit("shop.trial_payment_started", shop_id=setup.shop_id, out_trade_no=out_trade_no, amount_fen=amount)
    return request


# --- Learning that it is paid ----------------------------------------------------------------------


def _payable(w: World, shop_id: int, out_trade_no: str) -> Order | TrialPayment | None:
    number = Order.number_of(out_trade_no)  # a repriced order's trade number has a suffix
    order = w.db.scalars(select(Order).where(Order.number == number, Order.shop_id == shop_id)).first()
    if order is not None:
        return order
    q = select(TrialPayment).where(TrialPayment.out_trade_no == out_trade_no, TrialPayment.shop_id == shop_id)
    return w.db.scalars(q).first()


def _amount_of(thing: Order | TrialPayment) -> int:
    return thing.total_fen if isinstance(thing, Order) else thing.amount_fen


def _mark_paid(w: World, thing: Order | TrialPayment, trade_no: str, via: str) -> bool:
    """Record the payment once; returns whether this call recorded it."""
    if isinstance(thing, Order):
        if thing.payment_status == PaymentStatus.PAID:
            return False
        if thing.status == OrderStatus.CLOSED:
            _refund_closed_order(w, thing, trade_no)
            return False
        thing.payment_status = PaymentStatus.PAID
        thing.paid_at, thing.trade_no, thing.paid_via = w.now(), trade_no, via
        w.emit(
            "payment.succeeded", order_no=thing.number, amount_fen=thing.total_fen, trade_no=trade_no, via=via
        )
        return True
    if thing.paid_at is not None:
        return False
    thing.paid_at, thing.trade_no, thing.paid_via = w.now(), trade_no, via
    w.emit(
        "shop.trial_payment_paid",
        shop_id=thing.shop_id,
        out_trade_no=thing.out_trade_no,
        amount_fen=thing.amount_fen,
        trade_no=trade_no,
        via=via,
    )
    return True


def _judge(w: World, setup: ShopPaymentSetup, params: dict[str, str]) -> tuple[str, str]:
    """(verdict, reason) for a notification, acting on it when it is good."""
    if not setup.platform_public_key_pem:
        return Verdict.REJECTED, N_("未配置支付平台公钥，无法验证通知")
    if not gateway.verify(params, setup.platform_public_key_pem):
        return Verdict.REJECTED, N_("签名验证失败")
    if params.get("app_id") != setup.app_id:
        return Verdict.REJECTED, N_("通知的 app_id 不是本店的应用")
    notify_id = params.get("notify_id", "")
    if not notify_id:
        return Verdict.REJECTED, N_("通知缺少 notify_id")
    seen = select(PaymentNotice.id).where(
        PaymentNotice.shop_id == setup.shop_id,
        PaymentNotice.notify_id == notify_id,
        PaymentNotice.verdict == Verdict.ACCEPTED,
    )
    if w.db.scalar(seen.limit(1)) is not None:
        return Verdict.DUPLICATE, N_("该通知已处理过")
    thing = _payable(w, setup.shop_id, params.get("out_trade_no", ""))
    if thing is None:
        return Verdict.REJECTED, N_("本店没有这笔订单")
    try:
        amount = parse_yuan(params.get("total_amount", ""))
    except DomainError:
        return Verdict.REJECTED, N_("通知金额格式错误")
    if amount != _amount_of(thing):
        return Verdict.REJECTED, N_("通知金额与订单金额不符")
    if params.get("trade_status") in PAID_STATUSES:
        _mark_paid(w, thing, params.get("trade_no", ""), "notify")
    return Verdict.ACCEPTED, ""


def receive_notification(w: World, url: str, params: dict[str, Any], source: str = "platform") -> str:
    """The shop's notify URL: verify, record, act once; answers `success` or `fail` as the platform expects."""
    params = {str(k): str(v) for k, v in params.items()}
    code = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    shop_id = int(code[1:]) if len(code) > 1 and code[0] == "S" and code[1:].isdigit() else 0
    setup = w.db.scalars(select(ShopPaymentSetup).where(ShopPaymentSetup.shop_id == shop_id)).first()
    if setup is None:
        return "fail"
    verdict, reason = _judge(w, setup, params)
    w.db.add(
        PaymentNotice(
            shop_id=setup.shop_id,
            received_at=w.now(),
            source=source,
            notify_id=params.get("notify_id", "")[:64],
            out_trade_no=params.get("out_trade_no", "")[:64],
            trade_status=params.get("trade_status", "")[:32],
            verdict=verdict,
            reason=reason,
            params={k: v[:2000] for k, v in list(params.items())[:40]},
        )
    )
    w.emit(
        "payment.notice_received",
        shop_id=setup.shop_id,
        out_trade_no=params.get("out_trade_no", ""),
        verdict=verdict,
        reason=reason,
        source=source,
    )
    return "fail" if verdict == Verdict.REJECTED else "success"


def api_request(
    w: World, setup: ShopPaymentSetup, method: str, biz: dict[str, str], **extra: str
) -> dict[str, str]:
    """A request to the platform's open API (with `extra` public parameters), signed with the shop's key."""
    params = {
        "app_id": setup.app_id,
        "method": method,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": _timestamp(w),
        "version": "1.0",
        **extra,
        "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
    }
    params["sign"] = gateway.sign(params, setup.merchant_private_key_pem)
    return params


def close_order_trade(w: World, order: Order) -> None:
    """The order was cancelled: close its trade at the platform, so its cashier takes no money."""
    if not order.payment_request:
        return
    setup = setup_of(w, order.shop_id)
    if setup.ready:
        gateway.close_trade(
            w, api_request(w, setup, "alipay.trade.close", {"out_trade_no": order.out_trade_no})
        )


def _refund_closed_order(w: World, order: Order, trade_no: str) -> None:
    """Money arrived for an order already cancelled (paid in a window left open): send it back."""
    setup = setup_of(w, order.shop_id)
    biz = {
        "trade_no": trade_no,
        "refund_amount": _yuan(order.total_fen),
        "out_request_no": f"CANCEL{order.number}",
        "refund_reason": "订单已取消，原路退款",
    }
    answer = gateway.refund_trade(w, api_request(w, setup, "alipay.trade.refund", biz))
    w.emit(
        "payment.refunded_cancelled_order", order_no=order.number, trade_no=trade_no, code=answer.get("code")
    )


def confirm_by_query(w: World, shop_id: int, out_trade_no: str) -> bool:
    """Ask the platform (a signed trade query) whether a trade is paid; record it if so."""
    thing = _payable(w, shop_id, out_trade_no)
    if thing is None:
        raise NotFound(N_("订单不存在"))
    setup = setup_of(w, shop_id)
    if not setup.ready:
        return False
    answer = gateway.query_trade(
        w, api_request(w, setup, "alipay.trade.query", {"out_trade_no": thing.out_trade_no})
    )
    if answer.get("code") != "10000" or answer.get("trade_status") not in PAID_STATUSES:
        return False
    try:
        if parse_yuan(str(answer.get("total_amount", ""))) != _amount_of(thing):
            return False
    except DomainError:
        return False
    _mark_paid(w, thing, str(answer.get("trade_no", "")), "query")
    return True


def is_paid(thing: Order | TrialPayment) -> bool:
    """Whether the shop has recorded the payment."""
    return (
        thing.payment_status == PaymentStatus.PAID if isinstance(thing, Order) else thing.paid_at is not None
    )


def find_for_return(w: World, out_trade_no: str) -> Order | TrialPayment:
    """The order or trial payment a buyer comes back from the cashier about."""
    out_trade_no = (out_trade_no or "").strip()[:64]
    order = w.db.scalars(select(Order).where(Order.number == Order.number_of(out_trade_no))).first()
    if order is not None:
        return order
    trial = w.db.scalars(select(TrialPayment).where(TrialPayment.out_trade_no == out_trade_no)).first()
    if trial is None:
        raise NotFound(N_("订单不存在"))
    return trial


def notices(w: World, shop_id: int, limit: int = 50) -> list[PaymentNotice]:
    """The notifications the shop received, newest first."""
    q = select(PaymentNotice).where(PaymentNotice.shop_id == shop_id).order_by(PaymentNotice.id.desc())
    return list(w.db.scalars(q.limit(limit)))


def trials(w: World, shop_id: int) -> list[TrialPayment]:
    """The shop's trial payments, newest first."""
    q = select(TrialPayment).where(TrialPayment.shop_id == shop_id).order_by(TrialPayment.id.desc())
    return list(w.db.scalars(q))


def receive_from_platform(w: World, url: str, params: dict[str, str]) -> str:
    """What the platform calls to deliver a notification to a shop's notify URL."""
    return receive_notification(w, url, params, source="platform")


gateway.register_notify_receiver(NOTIFY_PATH, receive_from_platform)
