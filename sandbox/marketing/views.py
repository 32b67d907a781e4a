"""Pages of the marketing domain (`/marketing/…`): the shop's subscribers, campaigns with preview, test
send and send, the report, and the recipients' unsubscribe page.

The pages use the seller centre's sign-in: a session signed in to the seller centre (its session key
`seller_account`, read here without importing the seller centre, a domain of the same layer) uses the
mailing list of the shop that account owns. The unsubscribe page needs no sign-in: it is the recipient's.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.binding import current_world, done, refused, session_world
from sandbox.errors import DomainError
from sandbox.marketing import services
from sandbox.marketing.models import (
    CAMPAIGN_STATUS_LABELS,
    DELIVERY_STATUS_LABELS,
    OPT_IN_LABELS,
    SOURCE_LABELS,
    MailingList,
)

bp = Blueprint("marketing", __name__, url_prefix="/marketing")

SELLER_SESSION_KEY = "seller_account"  # set by the seller centre's login (sandbox/merchant/views.py)


def signed_in_list() -> MailingList | None:
    """The mailing list of the shop whose seller-centre account is signed in; None too when the request
    never reached a world (a page refused before binding still renders its layout)."""
    if "world" not in g:
        return None
    return services.list_of_account(current_world(), session_world().get(SELLER_SESSION_KEY))


def list_required(view):  # noqa: ANN001, ANN201
    """Send a visitor to the sign-in page; sets `g.mlist` (the shop's MailingList)."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        mlist = signed_in_list()
        if mlist is None:
            return redirect(url_for("marketing.login"))
        g.mlist = mlist
        return view(*args, **kwargs)

    return wrapper


@bp.context_processor
def _labels() -> dict:
    return {
        "opt_in_labels": OPT_IN_LABELS,
        "source_labels": SOURCE_LABELS,
        "campaign_status_labels": CAMPAIGN_STATUS_LABELS,
        "delivery_status_labels": DELIVERY_STATUS_LABELS,
        "unsubscribe_tag": services.UNSUBSCRIBE_TAG,
        "mlist": g.get("mlist"),
    }


@bp.get("/login")
def login():
    """Sign in with the seller centre's account (the form posts to the seller centre's login)."""
    seller_signed_in = "world" in g and session_world().get(SELLER_SESSION_KEY) is not None
    if signed_in_list() is not None:
        return redirect(url_for("marketing.home"))
    return render_template("marketing/login.html", seller_signed_in=seller_signed_in)


@bp.get("/")
@list_required
def home():
    """The list at a glance and the campaigns with their figures."""
    w = current_world()
    rows = [(c, services.report(c)) for c in services.campaigns(w, g.mlist)]
    return render_template("marketing/home.html", counts=services.status_counts(w, g.mlist), rows=rows)


@bp.get("/subscribers")
@list_required
def subscribers():
    """The subscribers with their opt-in status and source (filter by status)."""
    status = request.args.get("status", "")
    status = status if status in OPT_IN_LABELS else ""
    w = current_world()
    return render_template(
        "marketing/subscribers.html",
        subscribers=services.subscribers(w, g.mlist, status or None),
        counts=services.status_counts(w, g.mlist),
        status=status,
    )


def _form() -> services.CampaignForm:
    return services.CampaignForm(
        subject=request.form.get("subject", ""),
        sender_name=request.form.get("sender_name", ""),
        body_html=request.form.get("body", ""),
        unsubscribe_footer=bool(request.form.get("unsubscribe_footer")),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@list_required
def new_campaign():
    """Write a new campaign (saved as a draft)."""
    if request.method != "POST":
        form = services.CampaignForm(sender_name=g.mlist.shop_name)
        return render_template("marketing/campaign_form.html", form=form, campaign=None)
    form = _form()
    try:
        campaign = services.save_campaign(current_world(), g.mlist, form)
    except DomainError as exc:
        page = render_template("marketing/campaign_form.html", form=form, campaign=None, error=refused(exc))
        return page, exc.status
    done(gettext("草稿已保存：请预览，发送测试邮件后再正式发送"))
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@list_required
def edit_campaign(campaign_id: int):
    """Change a draft."""
    w = current_world()
    campaign = services.get_campaign(w, g.mlist, campaign_id)
    if request.method != "POST":
        form = services.CampaignForm(
            campaign.subject, campaign.sender_name, campaign.body_html, campaign.unsubscribe_footer
        )
        return render_template("marketing/campaign_form.html", form=form, campaign=campaign)
    form = _form()
    try:
        services.save_campaign(w, g.mlist, form, campaign)
    except DomainError as exc:
        page = render_template(
            "marketing/campaign_form.html", form=form, campaign=campaign, error=refused(exc)
        )
        return page, exc.status
    done(gettext("草稿已保存"))
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


def _campaign_page(campaign, status: int = 200, error: str | None = None, chosen=None):  # noqa: ANN001, ANN202
    """A campaign: its preview, the test send, the recipients and the send (a draft), or its report."""
    w = current_world()
    return render_template(
        "marketing/campaign.html",
        campaign=campaign,
        preview=services.preview(campaign),
        report=services.report(campaign),
        subscribers=services.subscribers(w, g.mlist),
        error=error,
        chosen=chosen or {"segment": "subscribed", "ids": set()},
    ), status


@bp.get("/campaigns/<int:campaign_id>")
@list_required
def campaign(campaign_id: int):
    """One campaign."""
    return _campaign_page(services.get_campaign(current_world(), g.mlist, campaign_id))


@bp.post("/campaigns/<int:campaign_id>/test")
@list_required
def test_send(campaign_id: int):
    """Send the campaign to the merchant's own mailbox."""
    w = current_world()
    campaign = services.get_campaign(w, g.mlist, campaign_id)
    try:
        address = services.send_test(w, g.mlist, campaign)
    except DomainError as exc:
        return _campaign_page(campaign, exc.status, refused(exc))
    done(gettext("测试邮件已发送到 %(address)s：请到邮箱查看", address=address))
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


def _picked() -> list[int]:
    """The subscriber ids ticked on the send form (anything not a number is no subscriber)."""
    return [int(v) for v in request.form.getlist("recipient") if v.isdigit() and len(v) < 10]


@bp.post("/campaigns/<int:campaign_id>/send")
@list_required
def send(campaign_id: int):
    """Send the campaign to the chosen subscribers (refused as a whole if any has not opted in)."""
    w = current_world()
    campaign = services.get_campaign(w, g.mlist, campaign_id)
    segment, picked = request.form.get("segment", ""), _picked()
    try:
        count = services.send_campaign(w, g.mlist, campaign, segment, picked)
    except DomainError as exc:
        message = refused(exc)
        campaign = services.get_campaign(current_world(), g.mlist, campaign_id)  # after a refusal's commit
        return _campaign_page(campaign, exc.status, message, {"segment": segment, "ids": set(picked)})
    done(gettext("邮件已发送给 %(n)s 位订阅者", n=count))
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """A recipient's unsubscribe page: one press takes the address off the shop's list at once."""
    if token == services.PREVIEW_TOKEN:
        return render_template("marketing/unsubscribe.html", preview=True, sub=None)
    w = current_world()
    sub = services.by_token(w, token)
    campaign_id = request.values.get("c", "")
    campaign_id = int(campaign_id) if campaign_id.isdigit() and len(campaign_id) < 10 else None
    if request.method != "POST":
        return render_template("marketing/unsubscribe.html", sub=sub, campaign_id=campaign_id, preview=False)
    if services.unsubscribe(w, sub, campaign_id):
        done(gettext("已退订：您不会再收到这家店铺的营销邮件"))
    return redirect(url_for("marketing.unsubscribe", token=sub.token))
