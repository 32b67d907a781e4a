"""Pages of the CA (认证中心, /ca/) and of the certificate store (证书管理器, /certs/).

Both act as one of the candidate's identities: the one chosen in the session (the same choice on both
sites), else the first with an e-mail address."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from sandbox.binding import current_attempt, session_world, set_session_world
from sandbox.errors import N_, NotFound

bp = Blueprint("pki", __name__, url_prefix="/ca")
store_bp = Blueprint("pki_store", __name__, url_prefix="/certs")
bps = [bp, store_bp]


def own_identities() -> list[dict]:
    """The candidate's identities that have an address (whose store and applications these are)."""
    attempt = current_attempt()
    return [i for i in (attempt.identities if attempt else []) if i.get("email")]


def owner() -> str:
    """The address of the identity the CA and the store act for."""
    own = [i["email"] for i in own_identities()]
    chosen = session_world().get("pki_owner")
    if chosen in own:
        return chosen
    if not own:
        raise NotFound(N_("没有可用的身份"))
    return own[0]


def switch_owner():  # noqa: ANN201
    """Act as another of the candidate's identities (form field `owner`), then go back."""
    address = (request.form.get("owner") or "").strip().lower()
    if address not in [i["email"] for i in own_identities()]:
        raise NotFound(N_("没有可用的身份"))
    set_session_world(pki_owner=address)
    back = request.form.get("next") or ""
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("pki.ca_home"))


bp.add_url_rule("/switch", "switch", switch_owner, methods=["POST"])
store_bp.add_url_rule("/switch", "switch", switch_owner, methods=["POST"])

from sandbox.pki import views_ca, views_ra, views_store  # noqa: E402, F401  (their routes join the blueprints)


def ask_store_to_sign(audience: str, session_key: str, next_url: str, site: str):  # noqa: ANN201
    """A relying party's certificate login begins: a fresh challenge, kept in the session under
    `session_key`, and the browser sent to the store to sign it (then back to `next_url`)."""
    from sandbox.pki import login

    challenge = login.new_challenge()
    set_session_world(**{session_key: challenge})
    return redirect(
        url_for("pki_store.sign", audience=audience, challenge=challenge, next=next_url, site=site)
    )


def take_challenge(session_key: str) -> str:
    """The challenge a relying party made, forgotten as it is read (one try per challenge)."""
    challenge = session_world().get(session_key) or ""
    set_session_world(**{session_key: None})
    return challenge
