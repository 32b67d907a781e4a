"""The bank's part of a world: each identity's person (ID number, mobile, address) in the identity
register, and, by role, their card, their pending cash, their counter post or their company account.

Roles (`world.accounts[].role`):
- buyer, seller: a personal card with `bank_balance_fen`, passwords on the task panel (as before);
- merchant: the card the candidate's shop settles to (an account of kind merchant); `cert_login: true`
  makes its console login at the payment platform certificate-only (seed_data/gateway_seed.py);
- applicant: no account yet; the person applies online, `bank_balance_fen` is the cash they pay in
  when the counter opens the account; `account_type: enterprise` makes them the legal representative
  of a registered company that applies for a company account instead;
- teller: a counter clerk (柜员) of the identity's bank, with a teller number and password;
- operator / approver: users (经办 / 复核) of one company account; identities with the same
  `company` key share it (opened at the first one's bank with the first one's `bank_balance_fen`);
  `cert_login: true` makes the user a 证书用户 who logs in only with an enterprise certificate
  (organizationIdentifier = the company's credit code, CN = the user's name); the password is refused;
- payee: someone else's card (an account of the world, not the candidate's): name, bank and number
  only, e.g. whom to transfer money to.
`bank: ICBC` fixes the identity's bank; `same_bank_as: <role>` / `other_bank_than: <role>` place it
at the bank of an earlier identity or at another one.

Every value added here is derived from (seed, role, purpose), never drawn from the shared generator,
so identities of existing scenarios keep every value they had.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.bank import accounts, idcheck
from sandbox.bank import services as bank
from sandbox.bank.models import AccountKind, EnterpriseRole
from sandbox.errors import NotFound
from sandbox.worlds.world import World
from seed_data.fakes import derived_digest
from seed_data.lists import BANKS, REGIONS, STREETS

CARD_ROLES = {"buyer": AccountKind.PERSONAL, "seller": AccountKind.PERSONAL, "merchant": AccountKind.MERCHANT}
COMPANY_ROLES = ("operator", "approver")
ID_REGIONS = ("110105", "310104", "440106", "330106", "320102", "510107", "420106", "610113")
COMPANY_WORDS = ("瑞丰", "恒信", "嘉和", "博远", "新禾", "启明", "汇通", "锦程", "安泰", "星海")
COMPANY_SUFFIXES = ("商贸有限公司", "电子商务有限公司", "科技有限公司", "贸易有限公司")


def _number(raw: bytes, digits: int) -> str:
    return str(int.from_bytes(raw, "big") % 10**digits).zfill(digits)


def person_fields(seed: int, who: str) -> dict[str, str]:
    """A person's ID number (valid, aged 22–50 at the world's epoch), mobile and address."""
    raw = derived_digest(seed, who, "person")
    born = date(1976 + raw[0] % 28, 1 + raw[1] % 12, 1 + raw[2] % 28)
    id_number = idcheck.make_id_number(
        ID_REGIONS[raw[3] % len(ID_REGIONS)], born, int.from_bytes(raw[4:6], "big")
    )
    mobile = f"1{'3589'[raw[6] % 4]}{_number(raw[7:12], 9)}"
    province = sorted(REGIONS)[raw[12] % len(REGIONS)]
    city = sorted(REGIONS[province])[raw[13] % len(REGIONS[province])]
    districts = REGIONS[province][city][0]
    street = STREETS[raw[14] % len(STREETS)]
    address = f"{province}{city}{districts[raw[15] % len(districts)]}{street}{1 + raw[16] % 300}号"
    return {"id_number": id_number, "mobile": mobile, "address": address}


def company_fields(seed: int, key: str, address: str) -> dict[str, str]:
    """A registered company's name and 统一社会信用代码."""
    raw = derived_digest(seed, f"company:{key}", "company")
    city = address[3:6] if len(address) > 6 else "杭州"
    name = f"{city.rstrip('市')}{COMPANY_WORDS[raw[0] % len(COMPANY_WORDS)]}{COMPANY_SUFFIXES[raw[1] % len(COMPANY_SUFFIXES)]}"
    region = ID_REGIONS[raw[2] % len(ID_REGIONS)]
    return {
        "company_name": name,
        "credit_code": idcheck.make_credit_code(region, "MA" + _number(raw[3:9], 7)),
    }


def _bank(code: str) -> dict[str, str]:
    return next(b for b in BANKS if b["code"] == code)


def _place(ident: dict[str, Any], spec: dict[str, Any], earlier: list[dict[str, Any]]) -> None:
    """Move the identity to the bank its spec asks for (the card keeps its drawn digits)."""
    code = spec.get("bank")
    by_role = {i["role"]: i for i in earlier}
    if not code and spec.get("same_bank_as") in by_role:
        code = by_role[spec["same_bank_as"]]["bank_code"]
    if (
        not code
        and spec.get("other_bank_than") in by_role
        and ident["bank_code"] == by_role[spec["other_bank_than"]]["bank_code"]
    ):
        index = next(i for i, b in enumerate(BANKS) if b["code"] == ident["bank_code"])
        code = BANKS[(index + 1) % len(BANKS)]["code"]
    if code and code != ident["bank_code"]:
        old, new = _bank(ident["bank_code"]), _bank(code)
        ident["account_no"] = new["card_prefix"] + ident["account_no"][len(old["card_prefix"]) :]
        ident["bank_code"], ident["bank_name"] = new["code"], new["name"]


def identity_fields(
    seed: int, spec: dict[str, Any], ident: dict[str, Any], earlier: list[dict[str, Any]]
) -> None:
    """Complete a drawn identity with its bank part (in place); `earlier` are the identities before it."""
    role = spec["role"]
    same_role = sum(1 for i in earlier if i["role"] == role)
    if spec.get("cert_login") and role in (*COMPANY_ROLES, "merchant"):
        ident["cert_login"] = True  # the task panel says so; the overlays make the login certificate-only
    who = role if same_role == 0 else f"{role}{same_role + 1}"
    ident.update(person_fields(seed, who))
    _place(ident, spec, earlier)
    raw = derived_digest(seed, who, "bank")
    if role == "applicant":
        ident["account_type"] = spec.get("account_type", "personal")
        if ident["account_type"] == "enterprise":
            ident.update(company_fields(seed, who, ident["address"]))
        ident["account_no"] = ident["login_password"] = ident["payment_password"] = ""  # mailed on opening
    elif role == "teller":
        ident["teller_no"] = f"{ident['bank_code']}{_number(raw[:4], 4)}"
        ident["account_no"] = ident["payment_password"] = ""
    elif role in COMPANY_ROLES:
        key = str(spec.get("company", "company"))
        ident["company"] = key
        first = next((i for i in earlier if i.get("company") == key), None)
        if first is None:
            ident.update(company_fields(seed, key, ident["address"]))
        else:
            for field in ("bank_code", "bank_name", "account_no", "company_name", "credit_code"):
                ident[field] = first[field]
        prefix = "jb" if role == "operator" else "fh"
        ident["corp_login"] = f"{prefix}{ident['account_no'][-6:]}{'' if same_role == 0 else same_role + 1}"
    elif role == "payee":
        ident["login_password"] = ident["payment_password"] = ident["email"] = ""  # not the candidate's


def overlay_identity(w: World, ident: dict[str, Any]) -> bool:
    """Put the identity in the world's bank; True when a card of the candidate's own was opened."""
    role = ident["role"]
    personal_applicant = role == "applicant" and ident.get("account_type", "personal") == "personal"
    accounts.register_citizen(
        w,
        ident["id_number"],
        ident["name"],
        ident["mobile"],
        ident["bank_balance_fen"] if personal_applicant else 0,
    )
    details = {
        "holder_id_number": ident["id_number"],
        "mobile": ident["mobile"],
        "email": ident.get("email") or None,
        "address": ident["address"],
    }
    if role in CARD_ROLES or role == "payee":
        account = bank.open_account(
            w,
            bank_code=ident["bank_code"],
            number=ident["account_no"],
            holder=ident["name"],
            kind=CARD_ROLES.get(role, AccountKind.PERSONAL),
            login_password=ident["login_password"] or None,
            payment_password=ident["payment_password"] or None,
            **details,
        )
        if ident["bank_balance_fen"]:
            bank.fund(w, account, ident["bank_balance_fen"])
        return role in CARD_ROLES
    if role == "applicant" and not personal_applicant:
        accounts.register_company(
            w, ident["credit_code"], ident["company_name"], ident["id_number"], ident["bank_balance_fen"]
        )
    elif role == "teller":
        accounts.add_teller(w, ident["bank_code"], ident["teller_no"], ident["name"], ident["login_password"])
    elif role in COMPANY_ROLES:
        try:
            account = bank.find_account(w, ident["account_no"])
        except NotFound:  # the company's first user opens its account
            accounts.register_company(w, ident["credit_code"], ident["company_name"], ident["id_number"])
            account = bank.open_account(
                w,
                bank_code=ident["bank_code"],
                number=ident["account_no"],
                holder=ident["company_name"],
                kind=AccountKind.ENTERPRISE,
                credit_code=ident["credit_code"],
                **details,
            )
            if ident["bank_balance_fen"]:
                bank.fund(w, account, ident["bank_balance_fen"])
        role_name = EnterpriseRole.OPERATOR if role == "operator" else EnterpriseRole.APPROVER
        user = accounts.add_enterprise_user(
            w,
            account,
            role_name,
            ident["name"],
            ident["login_password"],
            ident["payment_password"],
            ident["corp_login"],
        )
        user.cert_required = bool(ident.get("cert_login"))
    return False
