"""The trade board: the platform's home, members' login, the company profile, and the listings pages
(views_listings registers its pages on the same blueprint)."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.b2b import companies, guard, listings, members
from sandbox.b2b.company_models import MEMBERSHIP_LABELS, CompanyUser, MembershipStatus
from sandbox.b2b.listing_models import KIND_LABELS, STATUS_LABELS, ListingKind
from sandbox.binding import current_world, done, refused
from sandbox.errors import DomainError
from sandbox.pki.views import ask_store_to_sign, take_challenge

bp = Blueprint("b2b", __name__, url_prefix="/b2b")


@bp.context_processor
def _portal() -> dict:
    """What every page of the portal shows: who is signed in, the categories, the labels."""
    user = guard.signed_in()
    return {
        "b2b_user": user,
        "b2b_company": user.company if user else None,
        "b2b_categories": listings.CATEGORIES,
        "units": listings.UNITS,
        "validity_days": listings.VALIDITY_DAYS,
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "membership_labels": MEMBERSHIP_LABELS,
    }


@bp.get("/")
def home() -> str:
    """The platform's home: search, categories, the latest supply and demand, the member's panel."""
    w = current_world()
    user = guard.signed_in()
    mine = listings.of_company(w, user.company) if user else []
    return render_template(
        "b2b/home.html",
        supply=listings.browse(w, kind=ListingKind.SUPPLY).listings[:8],
        demand=listings.browse(w, kind=ListingKind.DEMAND).listings[:8],
        counts=listings.category_counts(w),
        my_states=[listings.state(w, x) for x in mine],
    )


def _safe_next(target: str | None) -> str:
    """Only a path inside the platform (no open redirect)."""
    if target and target.startswith("/b2b/") and not target.startswith("//"):
        return target
    return url_for("b2b.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """A member's login to the platform: login and password, then, for a company that requires it,
    the certificate step."""
    if request.method != "POST":
        return render_template("b2b/login.html", next=request.args.get("next", ""))
    try:
        user = members.login(current_world(), request.form.get("login", ""), request.form.get("password", ""))
    except DomainError as exc:
        page = render_template(
            "b2b/login.html",
            error=refused(exc),
            login=request.form.get("login", ""),
            next=request.form.get("next", ""),
        )
        return page, exc.status
    if members.needs_certificate(user):
        guard.await_certificate(user.id, request.form.get("next", ""))
        return redirect(url_for("b2b.login_cert"))
    guard.sign_in(user.id)
    done(gettext("登录成功"))
    return _after_login(user, request.form.get("next"))


def _after_login(user: CompanyUser, target: str | None):  # noqa: ANN202
    """A member without a company profile fills it in first; the others go where they were going."""
    if user.company is None or user.company.status == MembershipStatus.DRAFT:
        return redirect(url_for("b2b.profile"))
    return redirect(_safe_next(target))


def _cert_step_user() -> CompanyUser | None:
    """The member at the certificate step (whose password was right), if any."""
    user = members.get_user(current_world(), guard.pending_user())
    return user if user is not None and members.needs_certificate(user) else None


@bp.get("/login/cert")
def login_cert():
    """The certificate step (证书验证): the company requires its enterprise certificate after the
    password."""
    user = _cert_step_user()
    if user is None:
        done(gettext("请先输入会员账号和密码"), "warning")
        return redirect(url_for("b2b.login"))
    return render_template("b2b/login_cert.html", pending=user)


@bp.get("/login/cert/sign")
def login_cert_sign():
    """A fresh challenge, for the certificate store to sign with the company's certificate key."""
    if _cert_step_user() is None:
        done(gettext("请先输入会员账号和密码"), "warning")
        return redirect(url_for("b2b.login"))
    return ask_store_to_sign(
        members.CERT_AUDIENCE, guard.CHALLENGE_KEY, url_for("b2b.login_cert_done"), gettext("云商通B2B平台")
    )


@bp.get("/login/cert/done")
def login_cert_done():
    """Back from the certificate store: check its signature of our challenge and that the certificate
    is the company's, then sign the member in."""
    challenge = take_challenge(guard.CHALLENGE_KEY)
    user_id = guard.pending_user()
    try:
        user = members.certificate_login(current_world(), user_id, challenge)
    except DomainError as exc:
        pending = members.get_user(current_world(), user_id)
        if pending is None:
            page = render_template("b2b/login.html", error=refused(exc), next="")
        else:
            page = render_template("b2b/login_cert.html", pending=pending, error=refused(exc))
        return page, exc.status
    target = guard.pending_next()
    guard.sign_in(user.id)
    done(gettext("证书验证通过，登录成功"))
    return _after_login(user, target)


@bp.route("/member/security", methods=["GET", "POST"])
@guard.member_required(approved=False)
def security():
    """安全设置: the company's certificate login, turned on or off with the login password."""
    if request.method != "POST":
        return render_template("b2b/security.html")
    required = request.form.get("cert_login") == "on"
    try:
        members.require_certificate(current_world(), g.member, required, request.form.get("password", ""))
    except DomainError as exc:
        return render_template("b2b/security.html", error=refused(exc)), exc.status
    if required:
        done(gettext("已启用证书登录：下次登录时，输入密码后还须使用本公司的企业证书"))
    else:
        done(gettext("已关闭证书登录：下次登录只需会员账号和密码"))
    return redirect(url_for("b2b.security"))


@bp.post("/logout")
def logout():
    """Leave the platform."""
    guard.sign_out()
    return redirect(url_for("b2b.home"))


@bp.route("/member/profile", methods=["GET", "POST"])
@guard.member_required(approved=False)
def profile():
    """The company profile (企业资料): fill in, save, submit for review; correct and resubmit."""
    w = current_world()
    if request.method != "POST":
        return render_template("b2b/profile.html", form=companies.profile_form(g.company), errors={})
    submit = request.form.get("action") == "submit"
    try:
        company = companies.save_profile(w, g.member, request.form.to_dict(), submit=submit)
    except companies.ProfileInvalid as exc:
        page = render_template("b2b/profile.html", form=request.form, errors=exc.errors, error=refused(exc))
        return page, exc.status
    except DomainError as exc:
        page = render_template(
            "b2b/profile.html", form=companies.profile_form(g.company), errors={}, error=refused(exc)
        )
        return page, exc.status
    if submit:
        done(gettext("企业资料已提交审核，审核结果将发送到企业邮箱"))
    elif company.status == MembershipStatus.APPROVED:
        done(gettext("企业资料已更新"))
    else:
        done(gettext("企业资料已保存（尚未提交审核）"))
    return redirect(url_for("b2b.profile"))


@bp.get("/company/<int:company_id>")
def company_page(company_id: int) -> str:
    """An approved member's company page with its published listings."""
    w = current_world()
    company = companies.public_company(w, company_id)
    shown = [x for x in listings.of_company(w, company) if listings.state(w, x) == "published"]
    return render_template("b2b/company.html", company=company, offers=shown)


# The listings' pages register on `bp`.
from sandbox.b2b import views_listings  # noqa: E402, F401
