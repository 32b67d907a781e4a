"""Certificates: the public lookup (证书查询) and signature check, the holder's PDF, the staff list."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from sandbox.binding import control_db, refused
from sandbox.certificates import services
from sandbox.certificates.models import CertificateRecord
from sandbox.control.models import Candidate, Exam, StaffRole
from sandbox.errors import N_, DomainError
from sandbox.examiner.reports import PdfError
from sandbox.login_guard import limiter
from sandbox.parsing import query_int
from sandbox.sessions import logged_in_person

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

LOOKUP_SCOPE = "certificate-lookup"
DEFAULT_LOOKUP_LIMIT = "10/minute;60/hour"  # per address; config CERT_LOOKUP_LIMIT
STAFF_ROLES = (StaffRole.EXAMINER, StaffRole.ADMIN)
MAX_PDF_BYTES = 10 * 1024 * 1024


def _lookup_breach(limit: RequestLimit) -> Response:
    wait = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    message = gettext("查询过于频繁，请 %(minutes)s 分钟后再试", minutes=wait)
    response = Response(_verify_page(error=message), status=429)
    response.headers["Retry-After"] = str(max(1, int(limit.reset_at - time.time())))
    return response


def _no_lookup() -> bool:
    """The bare form (no number typed) costs nothing."""
    return request.method == "GET" and not request.args.get("number")


throttled = limiter.shared_limit(
    lambda: current_app.config.get("CERT_LOOKUP_LIMIT", DEFAULT_LOOKUP_LIMIT),
    LOOKUP_SCOPE,
    key_func=get_remote_address,
    exempt_when=_no_lookup,
    on_breach=_lookup_breach,
)


def staff_only(view: Callable) -> Callable:
    """Only a logged-in examiner or exam administrator may open the page."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        who = session.get("who") or {}
        if who.get("kind") != "staff" or who.get("role") not in STAFF_ROLES:
            flash(gettext("请使用有权限的账号登录"), "warning")
            return redirect(url_for("exam.staff_login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


def _verify_page(**context: object) -> str:
    ident = services.signing_identity(current_app)
    return render_template(
        "certificates/verify.html",
        fingerprint=ident.root_fingerprint,
        number=request.values.get("number", ""),
        name=request.values.get("name", ""),
        **context,
    )


def _pdf_response(data: bytes, number: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"certificate-{number}") + ".pdf"
    return Response(
        data, mimetype="application/pdf", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


def _printed(record: CertificateRecord) -> Response:
    try:
        data = services.certificate_pdf(current_app._get_current_object(), record)
    except PdfError as exc:
        current_app.logger.warning("certificate PDF %s failed: %s", record.number, exc)
        return Response(
            render_template("error.html", message=gettext("无法生成 PDF（浏览器不可用），请稍后再试")),
            status=503,
        )
    return _pdf_response(data, record.number)


@bp.get("/verify")
@throttled
def verify():
    """证书查询: the form, and the answer for a number and name (404 when nothing matches)."""
    number = request.args.get("number", "").strip()
    if not number:
        return _verify_page()
    record = services.lookup(control_db(), number, request.args.get("name"))
    if record is None:
        return _verify_page(looked_up=True, record=None), 404
    return _verify_page(looked_up=True, record=record)


@bp.post("/verify/pdf")
@throttled
def verify_pdf():
    """Check an uploaded certificate PDF's signature (400 when the file is not a PDF)."""
    upload = request.files.get("file")
    data = upload.read(MAX_PDF_BYTES + 1) if upload else b""
    try:
        if not data:
            raise DomainError(N_("请选择要验证的 PDF 文件"), status=400)
        if len(data) > MAX_PDF_BYTES:
            raise DomainError(N_("文件过大（上限 %(mb)s MB）"), status=400, mb=MAX_PDF_BYTES // (1024 * 1024))
        outcome = services.verify_pdf(control_db(), current_app.config, data)
    except DomainError as exc:
        return _verify_page(pdf_error=refused(exc)), exc.status
    return _verify_page(checked=outcome)


@bp.get("/root.pem")
def root_pem():
    """The trust root that certificate PDFs chain to, for anyone's own PDF reader."""
    ident = services.signing_identity(current_app)
    return Response(
        ident.root_pem,
        mimetype="application/x-pem-file",
        headers={"Content-Disposition": "attachment; filename=ec-sandbox-certificate-root.pem"},
    )


@bp.get("/mine/<number>.pdf")
def mine(number: str):
    """The logged-in candidate's own certificate PDF (anyone else's: 404)."""
    person = logged_in_person()
    if not isinstance(person, Candidate):
        flash(gettext("请先登录考试系统"), "warning")
        return redirect(url_for("exam.login"))
    record = services.holder_certificate(control_db(), person.id, number)
    if record is None:
        abort(404)
    if record.revoked_at is not None:
        raise DomainError(services.REVOKED, status=410)
    return _printed(record)


@bp.get("/")
@staff_only
def index():
    """Certificates per exam, with revocation and the PDF."""
    db = control_db()
    exam_id = query_int("exam")
    exams = list(db.scalars(select(Exam).order_by(Exam.id.desc())))
    records = services.exam_certificates(db, exam_id)
    groups: dict[int, list[CertificateRecord]] = {}
    for record in records:
        groups.setdefault(record.exam_id, []).append(record)
    by_id = {e.id: e for e in exams}
    return render_template(
        "certificates/list.html",
        exams=exams,
        exam_id=exam_id,
        groups=[(by_id[k], v) for k, v in groups.items() if k in by_id],
    )


def _record(record_id: int) -> CertificateRecord:
    record = control_db().get(CertificateRecord, record_id)
    if record is None:
        abort(404)
    return record


@bp.post("/<int:record_id>/revoke")
@staff_only
def revoke(record_id: int):
    """Revoke a certificate (a reason is required)."""
    record = _record(record_id)
    who = session.get("who") or {}
    services.revoke(control_db(), record, request.form.get("reason"), who.get("name", ""))
    flash(gettext("证书 %(number)s 已注销", number=record.number), "success")
    return redirect(url_for("certificates.index", exam=record.exam_id))


@bp.get("/<int:record_id>.pdf")
@staff_only
def staff_pdf(record_id: int):
    """A certificate's signed PDF, for staff."""
    return _printed(_record(record_id))
