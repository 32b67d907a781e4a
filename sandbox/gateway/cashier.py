"""The cashier (收银台): paying a trade with a platform account, a bank card, or a test card.

Test cards behave like Stripe's: each number always gives the same result. Their money is real
world money: each test card is a bank account opened on first use, and the cards that succeed are
topped up from the world's funding account (the only place money enters a world) when short.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank.models import Bank, BankAccount
from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.gateway.merchants import check_pay_password, world_part
from sandbox.gateway.models import PlatformUser, SmsChallenge, Trade, TradeStatus
from sandbox.gateway.notify import yuan
from sandbox.gateway.trades import PLATFORM_NAME, close_if_expired, pay
from sandbox.mail import services as mail
from sandbox.mail.models import Mailbox
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.worlds.world import World

PLATFORM_MAILBOX = "service@yunque.mail.sim"
SMS_VALID = timedelta(minutes=5)
MAX_SMS_FAILURES = 3
_CARD = re.compile(r"[0-9]{12,19}")
_TEST_PASSWORD = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class TestCard:
    """A card number that always behaves the same way at the cashier."""

    number: str
    behaviour: str  # success | card_declined | insufficient_funds | expired_card | sms_required
    label: str  # msgid


TEST_CARDS = (
    TestCard("6299000000000001", "success", N_("付款成功")),
    TestCard("6299000000000002", "card_declined", N_("发卡行拒绝交易")),
    TestCard("6299000000009995", "insufficient_funds", N_("余额不足")),
    TestCard("6299000000000069", "expired_card", N_("卡已过期")),
    TestCard("6299000000003155", "sms_required", N_("需要短信验证码（发到买家邮箱）")),
)
_BY_NUMBER = {card.number: card for card in TEST_CARDS}


def payments_of(w: World, user: PlatformUser, limit: int = 50) -> list[Trade]:
    """The trades a platform user paid, newest first."""
    q = select(Trade).where(Trade.buyer_user_pk == user.id).order_by(Trade.id.desc()).limit(limit)
    return list(w.db.scalars(q))


def normalise_card(raw: str) -> str:
    """A card number typed with spaces or dashes, as digits; DomainError if it is not one."""
    number = re.sub(r"[\s-]", "", raw or "")
    if not _CARD.fullmatch(number):
        raise DomainError(N_("请输入正确的银行卡号"))
    return number


def ensure_payable(w: World, trade: Trade) -> None:
    """Refuse to take money for a trade that is paid, closed or past its time."""
    if close_if_expired(w, trade):
        raise Conflict(N_("交易已关闭，不能付款"))
    if trade.status != TradeStatus.WAIT_BUYER_PAY:
        raise Conflict(N_("该交易已支付，请勿重复付款"))


def pay_with_account(w: World, trade: Trade, user: PlatformUser, pay_password: str) -> Trade:
    """Pay from the platform account's bound bank card, authorised by the pay password."""
    ensure_payable(w, trade)
    if not user.card_no:
        raise DomainError(N_("该账户未绑定银行卡，请使用银行卡付款"))
    check_pay_password(w, user, pay_password)
    account = bank.find_account(w, user.card_no)
    if account.locked:
        raise DomainError(N_("绑定的银行卡已被银行锁定，请更换付款方式"), status=403)
    return pay(w, trade, account, "account", user)


def pay_with_card(
    w: World, trade: Trade, card_no: str, password: str, sms_to: str | None
) -> SmsChallenge | None:
    """Pay by bank card and the bank's transaction password; a challenge when a code is needed first."""
    number = normalise_card(card_no)
    ensure_payable(w, trade)
    card = _BY_NUMBER.get(number)
    if card is None:
        payer = bank.authorize_payment(w, number, password)
        pay(w, trade, payer, "card")
        return None
    if not _TEST_PASSWORD.fullmatch(password or ""):
        raise DomainError(N_("测试卡的交易密码可填任意 6 位数字"))
    if card.behaviour == "card_declined":
        raise DomainError(N_("银行卡被发卡行拒绝（card_declined），请更换银行卡"), status=402)
    if card.behaviour == "expired_card":
        raise DomainError(N_("银行卡已过期（expired_card），请更换银行卡"), status=402)
    if card.behaviour == "sms_required":
        return send_code(w, trade, number, sms_to)
    account = test_card_account(w, card, trade.total_fen)
    try:
        pay(w, trade, account, "test_card")
    except DomainError as exc:
        if card.behaviour == "insufficient_funds" and exc.status == 409:
            raise DomainError(N_("银行卡余额不足（insufficient_funds），请更换银行卡"), status=402) from None
        raise
    return None


def test_card_account(w: World, card: TestCard, need_fen: int) -> BankAccount:
    """The bank account behind a test card (opened on first use; topped up unless it is the empty one)."""
    try:
        account = bank.find_account(w, card.number)
    except NotFound:
        first_bank = w.db.scalars(select(Bank).order_by(Bank.id)).first()
        account = bank.open_account(
            w, bank_code=first_bank.code, number=card.number, holder=f"{PLATFORM_NAME}测试卡"
        )
    if card.behaviour != "insufficient_funds":
        short = need_fen - bank.balance(w, account)
        if short > 0:
            bank.fund(w, account, short, memo="测试卡备付金")
    return account


def sms_address(w: World, user: PlatformUser | None) -> str | None:
    """Where a verification code goes: the logged-in platform user, else the candidate's mailbox."""
    if user is not None and mail.mailbox_by_address(w, user.email) is not None:
        return user.email
    boxes = list(w.db.scalars(select(Mailbox).where(Mailbox.owner != "system").order_by(Mailbox.id)))
    preferred = [b for b in boxes if b.owner == "buyer"] or boxes
    return preferred[0].address if preferred else None


def send_code(w: World, trade: Trade, number: str, address: str | None) -> SmsChallenge:
    """Send a 6-digit code for this payment to the buyer's mailbox (stands in for an SMS)."""
    if not address:
        raise DomainError(N_("没有可以接收验证码的邮箱"))
    seq = (w.db.scalar(select(func.count(SmsChallenge.id))) or 0) + 1
    digest = hashlib.sha256(f"{world_part(w)}:{trade.trade_no}:{seq}:sms".encode()).digest()
    code = f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"
    challenge = SmsChallenge(
        trade_pk=trade.id,
        card_no=number,
        code_hash=hash_world_secret(code),
        sent_to=address,
        created_at=w.now(),
        expires_at=w.now() + SMS_VALID,
    )
    w.db.add(challenge)
    w.db.flush()
    sender = mail.open_mailbox(w, PLATFORM_MAILBOX, PLATFORM_NAME)
    mail.send(
        w,
        sender,
        [address],
        f"【{PLATFORM_NAME}】付款验证码 {code}",
        f"您正在向「{trade.app.name}」付款 ¥{yuan(trade.total_fen)}（银行卡尾号 {number[-4:]}）。"
        f"\n验证码：{code}，{int(SMS_VALID.total_seconds() // 60)} 分钟内有效。"
        f"\n如非本人操作，请勿将验证码告诉任何人。\n\n{PLATFORM_NAME}",
        actor="system",
    )
    w.emit("gateway.sms_sent", trade_no=trade.trade_no, sent_to=address, card_last4=number[-4:])
    return challenge


def challenge_of(w: World, trade: Trade, challenge_pk: int) -> SmsChallenge:
    """A verification challenge of this trade, or NotFound."""
    challenge = w.db.get(SmsChallenge, challenge_pk)
    if challenge is None or challenge.trade_pk != trade.id:
        raise NotFound(N_("验证码已失效，请重新付款"))
    return challenge


def confirm_code(w: World, trade: Trade, challenge_pk: int, code: str) -> Trade:
    """Check the code from the mailbox and take the payment; 3 wrong codes end the challenge."""
    challenge = challenge_of(w, trade, challenge_pk)
    ensure_payable(w, trade)
    if challenge.used or challenge.failures >= MAX_SMS_FAILURES:
        raise Conflict(N_("验证码已失效，请重新获取"))
    if w.now() > challenge.expires_at:
        raise Conflict(N_("验证码已过期，请重新获取"))
    if not check_secret(challenge.code_hash, (code or "").strip()):
        # The count must survive the refused request: commit it in a unit of work of its own.
        w.restart_locked()
        challenge = w.db.get(SmsChallenge, challenge_pk)
        challenge.failures += 1
        left = MAX_SMS_FAILURES - challenge.failures
        w.emit("gateway.sms_failed", trade_no=trade.trade_no, failures=challenge.failures)
        w.commit()
        if left <= 0:
            raise Conflict(N_("验证码错误次数过多，请重新获取"))
        raise DomainError(N_("验证码错误，还可以尝试 %(left)s 次"), left=left)
    challenge.used = True
    account = test_card_account(w, _BY_NUMBER[challenge.card_no], trade.total_fen)
    return pay(w, trade, account, "test_card")


def resend_code(w: World, trade: Trade, challenge_pk: int) -> SmsChallenge:
    """A new code for the same card (the old one stops working)."""
    old = challenge_of(w, trade, challenge_pk)
    ensure_payable(w, trade)
    old.used = True
    return send_code(w, trade, old.card_no, old.sent_to)
