"""Checks about a shop's side of the payment platform: its notify URL, its keys, its trial payment.

"The candidate's shop" is the shop whose back-office login is one of the candidate's identities (the
merchant role's `shop_login`).
"""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import normalise
from sandbox.bank import services as bank
from sandbox.gateway import services as gateway
from sandbox.gateway.models import MerchantApp
from sandbox.gateway.notify import local_path
from sandbox.gateway.signing import fingerprint
from sandbox.merchant.models import SellerAccount
from sandbox.orders import payments
from sandbox.orders.payment_models import PaymentNotice, ShopPaymentSetup, TrialPayment
from sandbox.scenarios.loader import fmt_yuan


def _fingerprint(pem: str) -> str:
    try:
        return fingerprint(pem)
    except (ValueError, TypeError):
        return "（不是有效的公钥）"


def candidate_setup(ctx: GradeContext) -> ShopPaymentSetup | None:
    """The payment settings of the candidate's own shop."""
    logins = [i["shop_login"] for i in ctx.identities if i.get("shop_login")]
    if not logins:
        return None
    q = (
        select(ShopPaymentSetup)
        .join(SellerAccount, SellerAccount.shop_id == ShopPaymentSetup.shop_id)
        .where(SellerAccount.login.in_(logins))
        .order_by(ShopPaymentSetup.id)
    )
    return ctx.world.db.scalars(q).first()


def _app(ctx: GradeContext, setup: ShopPaymentSetup) -> MerchantApp | None:
    return ctx.world.db.scalars(select(MerchantApp).where(MerchantApp.app_id == setup.app_id)).first()


@check("state", "shop.notify_url_set")
def notify_url_set(ctx: GradeContext) -> CheckResult:
    """The platform sends the candidate's app's notifications to the candidate's shop's notify URL
    (the same path on the world's site counts)."""
    setup = candidate_setup(ctx)
    if setup is None:
        return CheckResult.failed("考生没有自己的店铺")
    app = _app(ctx, setup)
    expected = payments.notify_url(setup.shop)
    given = app.notify_url if app else ""
    evidence = [text_evidence("应用", setup.app_id), text_evidence("本店通知地址", expected)]
    evidence.append(text_evidence("平台上设置的通知地址", given or "（未设置）"))
    if given and local_path(given) == local_path(expected):
        return CheckResult.passed("应用的异步通知地址是本店的通知地址", *evidence)
    if not given:
        return CheckResult.failed("应用没有设置异步通知地址", *evidence)
    return CheckResult.failed("应用的异步通知地址不是本店的通知地址", *evidence)


@check("state", "shop.keys_configured")
def keys_configured(ctx: GradeContext) -> CheckResult:
    """The shop signs with the private key whose public half the app has on the platform (half), and
    verifies with the platform's public key (half)."""
    setup = candidate_setup(ctx)
    if setup is None:
        return CheckResult.failed("考生没有自己的店铺")
    app = _app(ctx, setup)
    signs = verifies = False
    evidence = []
    if setup.merchant_private_key_pem:
        own = _fingerprint(payments.public_half(setup.merchant_private_key_pem))
        platform_has = _fingerprint(app.public_key_pem) if app and app.public_key_pem else ""
        signs = bool(platform_has) and own == platform_has
        evidence.append(text_evidence("本店私钥对应的公钥指纹", own))
        evidence.append(text_evidence("平台上应用公钥的指纹", platform_has or "（未上传）"))
    else:
        evidence.append(text_evidence("本店应用私钥", "未配置"))
    if setup.platform_public_key_pem:
        verifies = _fingerprint(setup.platform_public_key_pem) == _fingerprint(
            gateway.platform_public_key(ctx.world)
        )
        evidence.append(
            text_evidence("本店保存的支付平台公钥", "与平台公钥一致" if verifies else "不是本平台的公钥")
        )
    else:
        evidence.append(text_evidence("本店保存的支付平台公钥", "未配置"))
    fraction = (0.5 if signs else 0.0) + (0.5 if verifies else 0.0)
    parts = [
        "本店私钥与平台上的应用公钥" + ("成对" if signs else "不成对或未配置"),
        "支付平台公钥" + ("正确" if verifies else "不正确或未配置"),
    ]
    return CheckResult(fraction, "；".join(parts), evidence)


@check("state", "shop.trial_payment_paid", sets=("trial",))
def trial_payment_paid(ctx: GradeContext, amount_fen: int) -> CheckResult:
    """A trial payment of `amount_fen` in the candidate's shop ended paid: learnt from a verified
    notification (full), or only from the shop's own trade query (half: the notifications did not work)."""
    setup = candidate_setup(ctx)
    if setup is None:
        return CheckResult.failed("考生没有自己的店铺")
    amount_fen = int(amount_fen)
    trials = list(
        ctx.world.db.scalars(
            select(TrialPayment).where(TrialPayment.shop_id == setup.shop_id).order_by(TrialPayment.id)
        )
    )
    listed = [
        f"{t.out_trade_no} ¥{fmt_yuan(t.amount_fen)} {'已支付（' + (t.paid_via or '') + '）' if t.paid_at else '未支付'}"
        for t in trials
    ]
    right = [t for t in trials if t.amount_fen == amount_fen]
    best = sorted(right, key=lambda t: (t.paid_via != "notify", t.paid_at is None, t.id))
    evidence = [
        text_evidence("要求的金额", f"¥{fmt_yuan(amount_fen)}"),
        text_evidence("测试支付", listed or "（无）"),
    ]
    if not best:
        return CheckResult.failed(f"没有金额为 ¥{fmt_yuan(amount_fen)} 的测试支付", *evidence)
    trial = best[0]
    notices = ctx.world.db.scalars(
        select(PaymentNotice)
        .where(PaymentNotice.out_trade_no == trial.out_trade_no)
        .order_by(PaymentNotice.id)
    )
    evidence.append(
        text_evidence("本店收到的通知", [f"{n.received_at:%H:%M:%S} {n.verdict} {n.reason}" for n in notices])
    )
    if trial.paid_at is None:
        return CheckResult.failed(f"测试支付 {trial.out_trade_no} 未支付", *evidence)
    ctx.facts["trial"] = {"out_trade_no": trial.out_trade_no, "trade_no": trial.trade_no or ""}
    evidence.append(text_evidence("支付平台交易号", trial.trade_no))
    if trial.paid_via == "notify":
        return CheckResult.passed(
            f"测试支付 {trial.out_trade_no} 已支付，本店收到并验证了异步通知", *evidence
        )
    return CheckResult(
        0.5,
        f"测试支付 {trial.out_trade_no} 已支付，但本店只是主动查询得知，没有收到可验证的异步通知",
        evidence,
    )


@check("answer", "answer.trial_trade_no", needs=("trial",))
def trial_trade_no(ctx: GradeContext, field: str) -> CheckResult:
    """The answer is the platform's trade number of the trial payment an earlier item graded."""
    expected = (ctx.facts.get("trial") or {}).get("trade_no", "")
    given = ctx.answers.get(field, "")
    evidence = [text_evidence("答题卡", given or "（未填写）"), text_evidence("测试支付的交易号", expected)]
    if expected and normalise("id", given) == normalise("id", expected):
        return CheckResult.passed("交易号正确", *evidence)
    return CheckResult.failed("交易号不正确" if given else "答题卡上没有填写交易号", *evidence)


@check("answer", "answer.balance_after_refund", needs=("trade_no",))
def balance_after_refund(ctx: GradeContext, field: str, role: str = "buyer") -> CheckResult:
    """The answer is the balance of the `role` identity's bank card right after the refund of the trade
    an earlier item graded reached it, as its statement shows (money)."""
    trade_no = ctx.facts.get("trade_no", "")
    ident = next((i for i in ctx.identities if i["role"] == role and i.get("account_no")), None)
    if ident is None or not trade_no:
        return CheckResult.failed("没有可核对的退款")
    account = bank.find_account(ctx.world, ident["account_no"])
    rows = [r for r in bank.statement(ctx.world, account) if r.reference == trade_no and r.amount_fen > 0]
    given = ctx.answers.get(field, "")
    evidence = [
        text_evidence("答题卡", given or "（未填写）"),
        text_evidence(
            "账户明细中的退款",
            [
                f"{r.at:%Y-%m-%d %H:%M:%S} +¥{fmt_yuan(r.amount_fen)} 余额 ¥{fmt_yuan(r.balance_fen)}"
                for r in rows
            ]
            or ["（没有）"],
        ),
    ]
    if not rows:
        return CheckResult.failed(f"{ident['name']} 的银行账户没有收到交易 {trade_no} 的退款", *evidence)
    expected = {r.balance_fen for r in rows}
    if normalise("money", given) in expected:
        return CheckResult.passed("退款到账后的余额正确", *evidence)
    return CheckResult.failed("余额不正确" if given else "答题卡上没有填写余额", *evidence)
