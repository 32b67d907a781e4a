"""Opening an account (开户): a person applies online, the counter (柜台) reviews the application,
an approval opens the account and mails the online-banking credentials, a rejection mails the reason.

The counter reviews by the rules in `findings` (an NPC counter rejects on the first finding; a teller
played by a candidate decides with the identity register's answer in front of them). The counter
also unlocks transaction passwords.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from sandbox.bank import idcheck
from sandbox.bank import services as bank
from sandbox.bank.auth import unlock_tx_password
from sandbox.bank.models import (
    AccountApplication,
    AccountKind,
    ApplicationStatus,
    BankAccount,
    Citizen,
    EnterpriseRole,
    EnterpriseUser,
    RegisteredCompany,
    Teller,
)
from sandbox.bank.notices import MAIL_DOMAIN, notify
from sandbox.errors import N_, Conflict, DomainError, Forbidden, NotFound
from sandbox.secrets_hashing import hash_world_secret
from sandbox.worlds.world import World

ACCOUNT_TYPES = ("personal", "enterprise")
MINIMUM_AGE = 16
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,120}")


def _field(value: str | None, limit: int, message: str) -> str:
    text = re.sub(r"\s+", " ", value or "").strip()
    if not text or len(text) > limit:
        raise DomainError(message)
    return text


def apply_for_account(
    w: World,
    *,
    bank_code: str,
    account_type: str,
    name: str,
    id_number: str,
    mobile: str,
    email: str,
    address: str,
    company_name: str = "",
    credit_code: str = "",
    by_npc: bool = False,
) -> AccountApplication:
    """File an application. Only its form is checked here; the counter checks its content.

    The result and the credentials are mailed to `email`, an address of the world's mail. People an
    NPC rule makes apply (`by_npc`) may give no address.
    """
    target = bank.get_bank(w, bank_code) if (bank_code or "").strip() else None
    if target is None:
        raise DomainError(N_("请选择开户银行"))
    if account_type not in ACCOUNT_TYPES:
        raise DomainError(N_("请选择账户类型"))
    name = _field(name, 30, N_("请填写姓名（不超过 30 个字）"))
    id_number = _field(id_number, 30, N_("请填写身份证号码")).upper()
    mobile = _field(mobile, 20, N_("请填写手机号码"))
    email = "" if by_npc and not email else _field(email, 120, N_("请填写电子邮箱")).lower()
    if email and not EMAIL.fullmatch(email):
        raise DomainError(N_("电子邮箱格式不正确"))
    if email and not email.endswith(MAIL_DOMAIN):
        raise DomainError(N_("请填写本模拟环境中的邮箱地址（以 %(domain)s 结尾）"), domain=MAIL_DOMAIN)
    address = _field(address, 120, N_("请填写联系地址（不超过 120 个字）"))
    if account_type == "enterprise":
        company_name = _field(company_name, 60, N_("请填写企业名称"))
        credit_code = _field(credit_code, 30, N_("请填写统一社会信用代码")).upper()
    else:
        company_name = credit_code = ""
    pending = w.db.scalars(
        select(AccountApplication).where(
            AccountApplication.bank_id == target.id,
            AccountApplication.id_number == id_number,
            AccountApplication.account_type == account_type,
            AccountApplication.status == ApplicationStatus.PENDING,
        )
    ).first()
    if pending is not None:
        raise Conflict(N_("该身份证号码已有待审核的开户申请（%(number)s）"), number=pending.number)
    application = AccountApplication(
        number=bank.next_number(w, "KH", AccountApplication),
        bank=target,
        account_type=account_type,
        name=name,
        id_number=id_number,
        mobile=mobile,
        email=email,
        address=address,
        company_name=company_name,
        credit_code=credit_code,
        submitted_at=w.now(),
        submitted_by=w.actor,
    )
    w.db.add(application)
    w.db.flush()
    w.emit(
        "bank.account_applied",
        application_no=application.number,
        bank_code=target.code,
        account_type=account_type,
        applicant=name,
        id_number=id_number,
    )
    return application


def get_application(w: World, number: str) -> AccountApplication:
    """The application with this number, or NotFound."""
    application = w.db.scalars(
        select(AccountApplication).where(AccountApplication.number == (number or "").strip())
    ).first()
    if application is None:
        raise NotFound(N_("开户申请不存在"))
    return application


def applications_at(w: World, bank_id: int, status: str | None = None) -> list[AccountApplication]:
    """A bank's applications (of one status), oldest first."""
    q = select(AccountApplication).where(AccountApplication.bank_id == bank_id)
    if status:
        q = q.where(AccountApplication.status == status)
    return list(w.db.scalars(q.order_by(AccountApplication.id)))


def register_lookup(w: World, application: AccountApplication) -> dict[str, str | None]:
    """What the identity and business registers say about the applicant (联网核查), for the teller."""
    citizen = w.db.scalars(select(Citizen).where(Citizen.id_number == application.id_number)).first()
    company = None
    if application.credit_code:
        company = w.db.scalars(
            select(RegisteredCompany).where(RegisteredCompany.credit_code == application.credit_code)
        ).first()
    return {
        "citizen_name": citizen.name if citizen else None,
        "company_name": company.name if company else None,
    }


def findings(w: World, application: AccountApplication) -> list[str]:
    """Why the counter would refuse the application (Chinese reasons, as mailed); empty: approve."""
    out = []
    today = w.now().date()
    if not idcheck.valid_id_number(application.id_number, today):
        out.append("身份证号码格式或校验位不正确")
    else:
        if idcheck.age_on(application.id_number, today) < MINIMUM_AGE:
            out.append("申请人未满16周岁，须由监护人陪同到柜台办理")
        citizen = w.db.scalars(select(Citizen).where(Citizen.id_number == application.id_number)).first()
        if citizen is None or citizen.name != application.name:
            out.append("姓名与身份证号码不符（联网核查未通过）")
    if not idcheck.valid_mobile(application.mobile):
        out.append("手机号码格式不正确")
    if application.account_type == "personal":
        holder = w.db.scalars(
            select(BankAccount.id).where(
                BankAccount.bank_id == application.bank_id,
                BankAccount.holder_id_number == application.id_number,
                BankAccount.kind == AccountKind.PERSONAL,
            )
        ).first()
        if holder is not None:
            out.append("申请人已在本行开立个人结算账户")
    else:
        if not idcheck.valid_credit_code(application.credit_code):
            out.append("统一社会信用代码格式或校验位不正确")
        else:
            company = w.db.scalars(
                select(RegisteredCompany).where(RegisteredCompany.credit_code == application.credit_code)
            ).first()
            if company is None or company.name != application.company_name:
                out.append("企业名称与统一社会信用代码不符")
            elif company.legal_rep_id_number != application.id_number:
                out.append("申请人不是该企业的法定代表人")
    return out


def decide(
    w: World, number: str, *, approve: bool, reason: str = "", reviewer: str, bank_id: int | None = None
) -> AccountApplication:
    """Approve (open the account, mail the credentials) or reject (mail the reason) a pending application.

    `bank_id` limits a teller to their own bank's applications.
    """
    application = get_application(w, number)
    if bank_id is not None and application.bank_id != bank_id:
        raise NotFound(N_("开户申请不存在"))
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(N_("该申请已审核"))
    reason = re.sub(r"\s+", " ", reason or "").strip()
    if not approve and not reason:
        raise DomainError(N_("拒绝开户须填写原因"))
    if len(reason) > 200:
        raise DomainError(N_("原因不能超过 200 个字"))
    application.reviewed_at = w.now()
    application.reviewer = reviewer[:40]
    if approve:
        _open_from(w, application)
        application.status = ApplicationStatus.APPROVED
        w.emit(
            "bank.account_approved",
            application_no=application.number,
            account_no=application.account.number,
            bank_code=application.bank.code,
            account_type=application.account_type,
            reviewer=application.reviewer,
        )
    else:
        application.status = ApplicationStatus.REJECTED
        application.reason = reason
        w.emit(
            "bank.account_rejected",
            application_no=application.number,
            reason=reason,
            reviewer=application.reviewer,
        )
        notify(
            w,
            application.bank,
            application.email,
            f"{application.bank.name}开户申请结果通知",
            f"尊敬的{application.name}：\n\n您的开户申请（编号 {application.number}）未获通过。\n"
            f"原因：{reason}\n\n请核对资料后重新申请，或携带有效证件到柜台办理。\n\n{application.bank.name}",
        )
    return application


def _open_from(w: World, application: AccountApplication) -> BankAccount:
    """Open the account an approved application asks for, pay in the cash brought, mail credentials."""
    b = application.bank
    number = bank.new_card_number(w, b)
    login_password = bank.world_secret(w, f"login:{application.number}")
    tx_password = bank.world_secret(w, f"tx:{application.number}", 6, digits=True)
    personal = application.account_type == "personal"
    account = bank.open_account(
        w,
        bank_code=b.code,
        number=number,
        holder=application.name if personal else application.company_name,
        kind=AccountKind.PERSONAL if personal else AccountKind.ENTERPRISE,
        login_password=login_password if personal else None,
        payment_password=tx_password if personal else None,
        holder_id_number=application.id_number,
        credit_code=application.credit_code or None,
        mobile=application.mobile,
        email=application.email,
        address=application.address,
    )
    application.account = account
    if personal:
        cash_holder = w.db.scalars(select(Citizen).where(Citizen.id_number == application.id_number)).first()
        logins = f"网上银行登录账号：{number}\n登录密码：{login_password}\n交易密码：{tx_password}\n"
    else:
        cash_holder = w.db.scalars(
            select(RegisteredCompany).where(RegisteredCompany.credit_code == application.credit_code)
        ).first()
        users = [
            add_enterprise_user(w, account, role, application.name, login_password, tx_password)
            for role in (EnterpriseRole.OPERATOR, EnterpriseRole.APPROVER)
        ]
        logins = (
            "".join(
                f"企业网银操作员（{'经办' if u.role == EnterpriseRole.OPERATOR else '复核'}）：{u.login}\n"
                for u in users
            )
            + f"初始登录密码：{login_password}\n初始交易密码：{tx_password}\n"
        )
    if cash_holder is not None and cash_holder.cash_fen > 0:
        bank.fund(w, account, cash_holder.cash_fen, "开户现金存入")
        cash_holder.cash_fen = 0
    notify(
        w,
        b,
        application.email,
        f"{b.name}开户成功通知",
        f"尊敬的{application.name}：\n\n您的开户申请（编号 {application.number}）已审核通过，"
        f"{'个人结算账户' if personal else '企业结算账户'}已开立。\n\n账号：{number}\n{logins}\n"
        f"请登录网上银行后及时修改密码，切勿向他人泄露。\n\n{b.name}",
    )
    return account


def add_enterprise_user(
    w: World,
    account: BankAccount,
    role: str,
    name: str,
    password: str,
    tx_password: str | None,
    login: str = "",
) -> EnterpriseUser:
    """Give a company account an online-banking user (经办 or 复核) with their own passwords."""
    if role not in EnterpriseRole.LABELS:
        raise ValueError(f"unknown enterprise role {role!r}")
    if not login:
        base = f"{'jb' if role == EnterpriseRole.OPERATOR else 'fh'}{account.number[-6:]}"
        login, n = base, 1
        while w.db.scalar(select(EnterpriseUser.id).where(EnterpriseUser.login == login)) is not None:
            n += 1
            login = f"{base}{n}"
    user = EnterpriseUser(
        account=account,
        login=login,
        name=name,
        role=role,
        password_hash=hash_world_secret(password),
        payment_password_hash=hash_world_secret(tx_password) if tx_password else None,
    )
    w.db.add(user)
    w.db.flush()
    w.emit("bank.enterprise_user_added", account_no=account.number, login=login, role=role)
    return user


def unlock(w: World, teller: Teller | None, target: str) -> None:
    """The counter unlocks the transaction password of a card or an enterprise user at its bank."""
    target = (target or "").strip()
    holder = w.db.scalars(select(BankAccount).where(BankAccount.number == target)).first()
    if holder is None:
        holder = w.db.scalars(select(EnterpriseUser).where(EnterpriseUser.login == target)).first()
    if holder is None:
        raise NotFound(N_("账号或操作员不存在"))
    holder_bank = holder.account.bank_id if isinstance(holder, EnterpriseUser) else holder.bank_id
    if teller is not None and holder_bank != teller.bank_id:
        raise Forbidden(N_("只能为本行客户解锁"))
    unlock_tx_password(w, holder, by=teller.teller_no if teller else "npc")


def add_teller(w: World, bank_code: str, teller_no: str, name: str, password: str) -> Teller:
    """Employ a counter clerk at a bank."""
    teller = Teller(
        teller_no=teller_no,
        bank=bank.get_bank(w, bank_code),
        name=name,
        password_hash=hash_world_secret(password),
    )
    w.db.add(teller)
    w.db.flush()
    return teller


def register_citizen(w: World, id_number: str, name: str, mobile: str = "", cash_fen: int = 0) -> Citizen:
    """Put a person in the identity register (world data, as the catalogue: no event)."""
    citizen = w.db.scalars(select(Citizen).where(Citizen.id_number == id_number)).first()
    if citizen is None:
        citizen = Citizen(id_number=id_number, name=name, mobile=mobile, cash_fen=cash_fen)
        w.db.add(citizen)
    else:
        citizen.cash_fen += cash_fen
    w.db.flush()
    return citizen


def register_company(
    w: World, credit_code: str, name: str, legal_rep_id_number: str, cash_fen: int = 0
) -> RegisteredCompany:
    """Put a company in the business register (world data: no event)."""
    company = w.db.scalars(
        select(RegisteredCompany).where(RegisteredCompany.credit_code == credit_code)
    ).first()
    if company is None:
        company = RegisteredCompany(
            credit_code=credit_code, name=name, legal_rep_id_number=legal_rep_id_number, cash_fen=cash_fen
        )
        w.db.add(company)
        w.db.flush()
    return company
