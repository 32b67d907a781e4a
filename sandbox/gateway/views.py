"""The platform's pages: home, the open API address, documentation, the buyer's account.

The cashier and the merchant console register their pages on the same blueprint
(`views_cashier`, `views_console`).
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox import csrf
from sandbox.binding import current_world, done, refused, session_world, set_session_world
from sandbox.errors import DomainError
from sandbox.gateway import api, merchants, trades
from sandbox.gateway.cashier import TEST_CARDS, payments_of
from sandbox.gateway.codes import SUB_CODES, GatewayError
from sandbox.gateway.models import TRADE_STATUS_LABELS

bp = Blueprint("gateway", __name__, url_prefix="/gateway")


@bp.get("/")
def home():
    """The platform's front page: personal account, merchant centre, documentation."""
    return render_template("gateway/home.html")


@bp.post("/gateway.do")
@csrf.exempt
def gateway_do():
    """The open API: page.pay sends the browser to the cashier; query/refund/close answer signed JSON."""
    w = current_world()
    if request.form.get("method") == trades.PAGE_PAY:
        try:
            trade = trades.create_trade(w, request.form)
        except GatewayError as exc:
            return render_template("gateway/request_error.html", error=exc, message=refused(exc)), 400
        return redirect(trades.cashier_url(trade), code=303)
    key, answer = api.call(w, request.form)
    return Response(api.signed_body(w, key, answer), mimetype="application/json")


@bp.get("/docs/")
def docs():
    """The open API documentation: signing rule, methods, parameters, codes."""
    return render_template("gateway/docs.html", sub_codes=SUB_CODES)


@bp.get("/docs/test-cards")
def test_cards():
    """The test cards and what each does."""
    return render_template("gateway/test_cards.html", cards=TEST_CARDS)


# --- The buyer's platform account ------------------------------------------------------------------


def current_user():  # noqa: ANN201
    """The platform user logged in in this world, or None."""
    return merchants.session_user(current_world(), session_world().get("gateway_user"))


def login_page(template: str, check, session_key: str, landing: str):  # noqa: ANN001, ANN201
    """A login form: GET shows it; POST checks e-mail and password with `check`, remembers who logged
    in (in this world's session, under `session_key`) and goes to `landing`, or shows the refusal."""
    if request.method != "POST":  # GET and HEAD only look
        return render_template(template)
    email = request.form.get("email", "")
    try:
        who = check(current_world(), email, request.form.get("password", ""))
    except DomainError as exc:
        return render_template(template, error=refused(exc), email=email[:120]), exc.status
    set_session_world(**{session_key: who.id})
    done(gettext("登录成功"))
    return redirect(url_for(landing))


@bp.route("/account/login", methods=["GET", "POST"])
def account_login():
    """Log in to the personal platform account."""
    return login_page("gateway/account_login.html", merchants.user_login, "gateway_user", "gateway.account")


@bp.post("/account/logout")
def account_logout():
    """Leave the personal account."""
    set_session_world(gateway_user=None)
    return redirect(url_for("gateway.home"))


@bp.get("/account/")
def account():
    """The buyer's account: bound card and payments made."""
    user = current_user()
    if user is None:
        return redirect(url_for("gateway.account_login"))
    return render_template(
        "gateway/account.html",
        user=user,
        card=merchants.mask_card(user.card_no),
        payments=payments_of(current_world(), user),
        labels=TRADE_STATUS_LABELS,
    )


from sandbox.gateway import views_cashier, views_console  # noqa: E402, F401 - their pages are on bp
