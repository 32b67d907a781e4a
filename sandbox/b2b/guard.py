"""The guard of the platform's member pages: who is signed in, and whether their company may trade."""

from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, url_for
from flask_babel import gettext

from sandbox.b2b import members
from sandbox.b2b.company_models import CompanyUser, MembershipStatus
from sandbox.binding import current_world, done, session_world, set_session_world

SESSION_KEY = "b2b_user"
# The certificate step of a login: whose password was right, where to go after, and the challenge.
PENDING_KEY = "b2b_cert_pending"
NEXT_KEY = "b2b_cert_next"
CHALLENGE_KEY = "b2b_cert_challenge"


def signed_in() -> CompanyUser | None:
    """The member signed in to this world's platform; None too when the request never reached a world
    (a page refused before binding, e.g. a NUL byte in its arguments, still renders the layout)."""
    if "world" not in g:
        return None
    return members.get_user(current_world(), session_world().get(SESSION_KEY))


def sign_in(user_id: int) -> None:
    """Remember the member's login for this world (and end a certificate step)."""
    set_session_world(**{SESSION_KEY: user_id, PENDING_KEY: None, NEXT_KEY: None})


def sign_out() -> None:
    """Forget the member's login for this world."""
    set_session_world(**{SESSION_KEY: None, PENDING_KEY: None, NEXT_KEY: None, CHALLENGE_KEY: None})


def await_certificate(user_id: int, next_url: str) -> None:
    """The password was right and the company requires a certificate: remember who is half-way in
    (not signed in yet), and where to go once the certificate is verified."""
    set_session_world(**{SESSION_KEY: None, PENDING_KEY: user_id, NEXT_KEY: next_url})


def pending_user() -> object:
    """The id of the user at the certificate step (None when there is none)."""
    return session_world().get(PENDING_KEY)


def pending_next() -> str:
    """Where the user at the certificate step goes after it."""
    return session_world().get(NEXT_KEY) or ""


def member_required(view=None, *, approved: bool = True):  # noqa: ANN001, ANN201
    """Send a visitor to the platform's login; with `approved`, a member whose company is not yet an
    approved member to the company profile page.

    Sets `g.member` (the CompanyUser) and `g.company` (its Company, or None).
    """

    def decorate(view):  # noqa: ANN001, ANN202
        @wraps(view)
        def wrapper(*args, **kwargs):  # noqa: ANN202
            user = signed_in()
            if user is None:
                return redirect(url_for("b2b.login", next=request.full_path))
            g.member, g.company = user, user.company
            if approved and (g.company is None or g.company.status != MembershipStatus.APPROVED):
                done(gettext("贵公司还不是审核通过的企业会员：请先完善企业资料并提交审核"), "warning")
                return redirect(url_for("b2b.home"))
            return view(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
