"""Checks about the bank: the account application and its opening, online-banking logins, transfers
and the balance after them. An identity is named by its role in world.accounts (e.g. applicant)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from graders.normalise import money
from graders.selection import Judged, choose
from sandbox.bank.models import (
    AccountApplication,
    AccountKind,
    ApplicationStatus,
    Bank,
    BankAccount,
    EnterpriseUser,
    JournalLine,
    Transfer,
    TransferStatus,
)
from sandbox.scenarios.loader import fmt_yuan


def identity(ctx: GradeContext, role: str) -> dict[str, Any]:
    """The candidate's identity with this role (ValueError if the scenario has none)."""
    for ident in ctx.identities:
        if ident["role"] == role:
            return ident
    raise ValueError(f"the scenario has no identity with role {role!r}")


def identity_accounts(ctx: GradeContext, ident: dict[str, Any]) -> list[BankAccount]:
    """The accounts held by the identity: opened for their ID number (or their card / company account)."""
    numbers = [n for n in (ident.get("account_no"),) if n]
    q = select(BankAccount).where(
        (BankAccount.holder_id_number == ident.get("id_number", "-")) | BankAccount.number.in_(numbers)
    )
    return [a for a in ctx.world.db.scalars(q.order_by(BankAccount.id)) if a.kind not in AccountKind.INTERNAL]


def _application_label(a: AccountApplication) -> str:
    status = {"pending": "待审核", "approved": "已开户", "rejected": f"未通过：{a.reason}"}[a.status]
    return f"开户申请 {a.number}（{a.bank.name}，{a.name}，{status}）"


@check("state", "bank.account_applied", sets=("application",))
def account_applied(
    ctx: GradeContext, role: str = "applicant", account_type: str = "personal"
) -> CheckResult:
    """The identity applied online for an account (`account_type` personal | enterprise) at their
    bank, with their own name and ID number. Sets `application` (number, status, bank_code)."""
    ident = identity(ctx, role)
    apps = list(
        ctx.world.db.scalars(
            select(AccountApplication)
            .where(AccountApplication.submitted_by == "candidate")
            .order_by(AccountApplication.id)
        )
    )
    judged = []
    for a in apps:
        faults = []
        if a.id_number != ident.get("id_number"):
            faults.append(f"身份证号码 {a.id_number} 不是本人的")
        if a.name != ident["name"]:
            faults.append(f"姓名「{a.name}」与身份资料不符")
        if a.bank.code != ident["bank_code"]:
            faults.append(f"开户银行是{a.bank.name}，应为{ident['bank_name']}")
        if a.account_type != account_type:
            faults.append("账户类型不对")
        judged.append(Judged(a, 0.0 if faults else 1.0, faults, _application_label(a)))
    if not judged:
        return CheckResult.failed("没有提交开户申请")
    choice = choose(judged, rank=lambda a: a.status != ApplicationStatus.APPROVED)
    evidence = choice.evidence("开户申请")
    if choice.chosen is None:
        return CheckResult(0.0, "开户申请的资料与身份资料不符", evidence)
    a = choice.chosen.obj
    ctx.facts["application"] = {"number": a.number, "status": a.status, "bank_code": a.bank.code}
    return CheckResult(1.0, f"已提交开户申请 {a.number}", evidence)


@check("state", "bank.account_opened", sets=("bank_account",))
def account_opened(ctx: GradeContext, role: str = "applicant", account_type: str = "personal") -> CheckResult:
    """The counter opened an account for the identity at their bank (personal or enterprise).
    Sets `bank_account` (number, bank_code)."""
    ident = identity(ctx, role)
    kind = AccountKind.PERSONAL if account_type == "personal" else AccountKind.ENTERPRISE
    opened = [a for a in identity_accounts(ctx, ident) if a.kind == kind]
    evidence = [
        text_evidence("本人账户", [f"{a.bank.name} {a.number}（{a.holder}）" for a in opened] or "（无）")
    ]
    at_bank = [a for a in opened if a.bank.code == ident["bank_code"]]
    if not at_bank:
        return CheckResult(0.0, f"没有在{ident['bank_name']}开立账户", evidence)
    account = at_bank[0]
    ctx.facts["bank_account"] = {"number": account.number, "bank_code": account.bank.code}
    return CheckResult(1.0, f"已在{account.bank.name}开户，账号 {account.number}", evidence)


@check("event", "bank.logged_in")
def logged_in(
    ctx: GradeContext, role: str = "applicant", channel: str = "personal", method: str | None = None
) -> CheckResult:
    """The identity logged in to online banking (`channel` personal | enterprise) with their own account
    (`method: certificate`: with a certificate from their store, not a password)."""
    ident = identity(ctx, role)
    numbers = {a.number for a in identity_accounts(ctx, ident)}
    users = {u for u in (ident.get("corp_login"),) if u}
    found = [
        ev
        for ev in ctx.world.events("bank.logged_in")
        if ev.payload.get("channel") == channel
        and (ev.payload.get("account_no") in numbers or ev.payload.get("login") in users)
        and ev.actor == "candidate"
        and (method is None or ev.payload.get("method", "password") == method)
    ]
    evidence = [
        text_evidence(
            "登录记录",
            [
                f"#{ev.id} {ev.at:%H:%M:%S} {ev.payload.get('login')} {ev.payload.get('method', '')}"
                for ev in found
            ],
        )
    ]
    if found:
        return CheckResult(1.0, f"登录网上银行 {len(found)} 次", evidence)
    if method == "certificate":
        return CheckResult(0.0, "没有用本人的证书登录网上银行", evidence)
    return CheckResult(0.0, "没有用本人账户登录网上银行", evidence)


def balance_after(ctx: GradeContext, t: Transfer) -> int:
    """The payer's balance right after the transfer and its fee."""
    last = max(e for e in (t.entry_id, t.fee_entry_id) if e)
    q = select(func.coalesce(func.sum(JournalLine.amount_fen), 0)).where(
        JournalLine.account_id == t.payer_id, JournalLine.entry_id <= last
    )
    return int(ctx.world.db.scalar(q) or 0)


@check("state", "bank.transfer_made", sets=("transfer",))
def transfer_made(
    ctx: GradeContext,
    role: str = "applicant",
    to_role: str | None = None,
    payee_account_no: str | None = None,
    payee_name: str | None = None,
    amount_fen: int | None = None,
    amount_yuan: int | float | str | None = None,
    cross_bank: bool | None = None,
) -> CheckResult:
    """The identity transferred the amount (`amount_fen`, or `amount_yuan`) to the payee (the identity
    `to_role`, or `payee_account_no` and `payee_name`), across banks if `cross_bank`, and it was not
    returned. Sets `transfer` (number, amount_fen, fee_fen, status, balance_after_fen: the payer's
    balance right after it and its fee)."""
    ident = identity(ctx, role)
    if to_role:
        payee = identity(ctx, to_role)
        payee_account_no, payee_name = payee["account_no"], payee["name"]
    if amount_fen is None and amount_yuan is not None:
        amount_fen = money(str(amount_yuan))
    accounts = {a.id for a in identity_accounts(ctx, ident)}
    rows = list(
        ctx.world.db.scalars(select(Transfer).where(Transfer.payer_id.in_(accounts)).order_by(Transfer.id))
    )
    if not rows:
        return CheckResult.failed("本人账户没有转账记录")
    judged = []
    for t in rows:
        faults = []
        if payee_account_no and t.payee_account_no != payee_account_no:
            faults.append(f"收款账号 {t.payee_account_no} 不对")
        if payee_name and t.payee_name != payee_name:
            faults.append(f"收款人户名「{t.payee_name}」不对")
        if amount_fen is not None and t.amount_fen != int(amount_fen):
            faults.append(f"金额 {fmt_yuan(t.amount_fen)} 元不对")
        if cross_bank is not None and t.cross_bank != bool(cross_bank):
            faults.append("不是跨行转账" if cross_bank else "不应是跨行转账")
        if t.status == TransferStatus.RETURNED:
            faults.append(f"已被退汇（{t.return_reason}）")
        label = f"转账 {t.number}（{t.payee_name} {t.payee_account_no}，{fmt_yuan(t.amount_fen)} 元）"
        judged.append(Judged(t, 0.0 if faults else 1.0, faults, label))
    choice = choose(judged)
    evidence = choice.evidence("转账")
    if choice.chosen is None:
        return CheckResult(0.0, "没有符合要求的转账", evidence)
    t = choice.chosen.obj
    payee_bank = ctx.world.db.scalars(select(Bank).where(Bank.code == t.payee_bank_code)).first()
    ctx.facts["transfer"] = {
        "number": t.number,
        "amount_fen": t.amount_fen,
        "fee_fen": t.fee_fen,
        "status": t.status,
        "balance_after_fen": balance_after(ctx, t),
    }
    evidence.append(text_evidence("手续费", f"{fmt_yuan(t.fee_fen)} 元"))
    to = payee_bank.name if payee_bank else t.payee_bank_code
    return CheckResult(
        1.0, f"已向{to} {t.payee_name} 转账 {fmt_yuan(t.amount_fen)} 元（{t.number}）", evidence
    )


@check("answer", "bank.balance_after_transfer", needs=("transfer",))
def balance_after_transfer(ctx: GradeContext, field: str) -> CheckResult:
    """The answer is the payer's balance right after the graded transfer and its fee (money)."""
    given = ctx.answers.get(field, "")
    expected = (ctx.facts.get("transfer") or {}).get("balance_after_fen")
    evidence = [
        text_evidence("考生填写", given or "（未填写）"),
        text_evidence("应为", "（没有符合要求的转账）" if expected is None else f"{fmt_yuan(expected)} 元"),
    ]
    if not given.strip():
        return CheckResult(0.0, "答题卡未填写", evidence)
    if expected is None:
        return CheckResult(0.0, "没有可核对的转账", evidence)
    if money(given) == expected:
        return CheckResult(1.0, "余额正确", evidence)
    return CheckResult(0.0, "余额与转账后的实际余额不一致", evidence)


@check("state", "bank.enterprise_payment_released")
def enterprise_payment_released(
    ctx: GradeContext,
    payee_account_no: str | None = None,
    amount_fen: int | None = None,
    to_role: str | None = None,
) -> CheckResult:
    """A company account's payment (to the payee, of the amount) was prepared by an operator and
    released by an approver (two people)."""
    if to_role:
        payee_account_no = identity(ctx, to_role)["account_no"]
    events = ctx.world.events("bank.payment_prepared")
    released = {ev.payload["payment_no"]: ev for ev in ctx.world.events("bank.payment_approved")}
    found = [
        ev
        for ev in events
        if ev.payload["payment_no"] in released
        and (payee_account_no is None or ev.payload.get("payee_account_no") == payee_account_no)
        and (amount_fen is None or ev.payload.get("amount_fen") == int(amount_fen))
    ]
    users = {u.login: u.role for u in ctx.world.db.scalars(select(EnterpriseUser))}
    evidence = [
        text_evidence(
            "付款指令",
            [
                f"{ev.payload['payment_no']} 经办 {ev.payload['operator']} 复核 {released[ev.payload['payment_no']].payload['approver']}"
                for ev in found
            ]
            or "（无）",
        )
    ]
    if found and all(
        users.get(released[ev.payload["payment_no"]].payload["approver"]) == "approver" for ev in found
    ):
        return CheckResult(1.0, "付款指令已经办录入并复核放行", evidence)
    return CheckResult(0.0, "没有经复核放行的付款指令", evidence)
