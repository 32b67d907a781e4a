"""Seller-centre logins."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.errors import N_, DomainError
from sandbox.merchant.models import SellerAccount
from sandbox.secrets_hashing import check_secret, hash_world_secret
from sandbox.storefront.models import Shop
from sandbox.worlds.world import World


def open_account(
    w: World, *, login: str, password: str, name: str, email: str = "", shop: Shop | None = None
) -> SellerAccount:
    """A merchant's login, with or without a shop yet."""
    account = SellerAccount(
        login=login,
        password_hash=hash_world_secret(password),
        name=name,
        email=email,
        shop_id=shop.id if shop else None,
        created_at=w.now(),
    )
    w.db.add(account)
    w.db.flush()
    return account


def login(w: World, login_name: str, password: str) -> SellerAccount:
    """Check a merchant's login and password; one message for either being wrong."""
    account = w.db.scalars(
        select(SellerAccount).where(SellerAccount.login == (login_name or "").strip())
    ).first()
    if account is None or not check_secret(account.password_hash, password or ""):
        raise DomainError(N_("账号或密码错误"), status=401)
    return account


def get_account(w: World, account_id: object) -> SellerAccount | None:
    """The signed-in account from the session's id (None if there is none)."""
    return w.db.get(SellerAccount, account_id) if isinstance(account_id, int) else None
