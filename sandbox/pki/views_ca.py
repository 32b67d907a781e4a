"""The CA's site: home, application, download, directory, certificate services, CRL and OCSP."""

from __future__ import annotations

import io

from cryptography import x509
from flask import Response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext

from sandbox import csrf
from sandbox.binding import current_world, done, refused
from sandbox.errors import N_, DomainError, NotFound
from sandbox.pki import authority, ca, keys, store
from sandbox.pki.models import (
    ApplicationStatus,
    CertApplication,
    Certificate,
    CertKind,
    CertStatus,
    Download,
    Usage,
)
from sandbox.pki.views import bp, own_identities, owner
from sandbox.worlds.world import World

APPLY_FIELDS = (
    "kind",
    "name",
    "id_number",
    "email",
    "mobile",
    "org",
    "credit_code",
    "domain",
    "province",
    "city",
)
SERVICE_ACTIONS = ("revoke", "suspend", "resume", "renew")
MIMETYPES = {".p12": "application/x-pkcs12", ".cer": "application/x-x509-ca-cert"}
MAX_QUERY = 100


def _current_owner() -> str | None:
    """The identity the site acts for, or None (the public pages need none)."""
    try:
        return owner()
    except NotFound:
        return None


def _own_addresses() -> list[str]:
    """The addresses of all the candidate's identities (their applications and files are visible)."""
    return [i["email"] for i in own_identities()]


def _page(template: str, http_status: int = 200, **context):  # noqa: ANN003, ANN202
    """Render a CA page with its header: the current identity and the identities to switch to."""
    return render_template(
        template,
        owner=_current_owner(),
        identities=own_identities(),
        kind_labels=CertKind.LABELS,
        application_labels=ApplicationStatus.LABELS,
        status_labels=CertStatus.LABELS,
        usage_labels=Usage.LABELS,
        reason_labels=ca.REVOKE_REASONS,
        **context,
    ), http_status


def _attachment(data: bytes, filename: str, mimetype: str) -> Response:
    """A download; send_file also encodes a Chinese file name (RFC 5987) so the header stays Latin-1."""
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, etag=False
    )


# --- home and applications ------------------------------------------------------------------------


@bp.get("/")
def ca_home():
    """The CA's home page: how a certificate is obtained and used, and the root certificate."""
    w = current_world()
    return _page(
        "pki/ca_home.html",
        root=store.details(ca.root_cert(w)),
        issuing=store.details(ca.issuing_cert(w)),
    )


def _identity_form() -> dict[str, str]:
    """The application form pre-filled with the current identity's details (the candidate still submits)."""
    me = next((i for i in own_identities() if i["email"] == owner()), {})
    return {
        "kind": CertKind.PERSONAL,
        "name": me.get("name", ""),
        "id_number": me.get("id_number", ""),
        "email": me.get("email", ""),
        "mobile": me.get("mobile", ""),
        "org": me.get("company_name", ""),
        "credit_code": me.get("credit_code", ""),
        "domain": "",
        "province": "",
        "city": "",
        "dual": "",
    }


@bp.route("/apply", methods=["GET", "POST"])
def apply():
    """Apply for a personal, enterprise or server certificate; the RA reviews it."""
    if request.method != "POST":
        return _page("pki/ca_apply.html", form=_identity_form())
    form = {k: (request.form.get(k) or "")[:200] for k in APPLY_FIELDS}
    form["dual"] = "1" if request.form.get("dual") else ""
    try:
        application = ca.apply(
            current_world(),
            owner(),
            ca.ApplicationForm(**{k: form[k] for k in APPLY_FIELDS}, dual=bool(form["dual"])),
        )
    except DomainError as exc:
        return _page("pki/ca_apply.html", exc.status, form=form, error=refused(exc))
    done(gettext("证书申请已提交，申请编号 %(number)s", number=application.number))
    return redirect(url_for("pki.application", number=application.number))


@bp.get("/applications")
def applications():
    """The current identity's applications, newest first."""
    return _page("pki/ca_applications.html", rows=ca.applications_of(current_world(), owner()))


def _own_application(number: str) -> CertApplication:
    """One of the candidate's own identities' applications (anyone else's is not found)."""
    application = ca.get_application(current_world(), number[:40])
    if application.applicant not in _own_addresses():
        raise NotFound(N_("证书申请不存在"))
    return application


@bp.get("/applications/<number>")
def application(number: str):
    """Where an application stands, what to do next, and the files issued for it."""
    a = _own_application(number)
    files = [f for f in ca.downloads_of(current_world(), _own_addresses()) if f.application_id == a.id]
    return _page("pki/ca_application.html", a=a, files=files)


# --- download ---------------------------------------------------------------------------------------


@bp.route("/download", methods=["GET", "POST"])
def download():
    """Redeem the reference number and authorisation code: a PKCS#12 the CA makes, or a CSR signed."""
    if request.method != "POST":
        return _page(
            "pki/ca_download.html", form={"mode": "p12", "ref_no": request.args.get("ref_no", "")[:20]}
        )
    form = {
        "ref_no": (request.form.get("ref_no") or "")[:40],
        "mode": request.form.get("mode") or "",
        "csr": (request.form.get("csr") or "")[: keys.MAX_UPLOAD + 1],
    }
    code = request.form.get("auth_code") or ""
    password = request.form.get("password") or ""
    w = current_world()
    try:
        if form["mode"] == "p12":
            files = ca.download_p12(
                w, owner(), form["ref_no"], code, password, request.form.get("password2") or ""
            )
        elif form["mode"] == "csr":
            files = ca.download_for_csr(w, owner(), form["ref_no"], code, form["csr"], password)
        else:
            raise DomainError(N_("请选择下载方式"))
    except DomainError as exc:
        return _page("pki/ca_download.html", exc.status, form=form, error=refused(exc))
    done(gettext("证书已签发，请下载文件"))
    application = w.db.get(CertApplication, files[0].application_id)
    return _page("pki/ca_downloaded.html", files=files, a=application, mode=form["mode"])


@bp.get("/files")
def files():
    """Every file the CA handed to the candidate's identities."""
    own = _own_addresses()
    return _page("pki/ca_files.html", rows=ca.downloads_of(current_world(), own))


@bp.get("/files/<int:pk>")
def file(pk: int):
    """Download one of those files (always as an attachment)."""
    row: Download = ca.get_download(current_world(), _own_addresses(), pk)
    suffix = row.filename[row.filename.rfind(".") :].lower()
    return _attachment(row.data, row.filename, MIMETYPES.get(suffix, "application/octet-stream"))


# --- directory ----------------------------------------------------------------------------------------


@bp.get("/directory")
def directory():
    """The public lookup: certificates by serial, name, organisation or e-mail."""
    w = current_world()
    q = (request.args.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY]
    rows = [(c, ca.status(w, c)) for c in ca.directory(w, q)]
    return _page("pki/ca_directory.html", q=q, rows=rows)


def _record(serial: str):  # noqa: ANN202
    return ca.find(current_world(), serial[:80])


@bp.get("/cert/<serial>")
def cert(serial: str):
    """A certificate's details and status at the CA."""
    row = _record(serial)
    shown = store.details(x509.load_der_x509_certificate(row.der))
    return _page(
        "pki/ca_cert.html",
        c=row,
        details=shown,
        cert_status=ca.status(current_world(), row),
        key_usage_labels=store.KEY_USAGE_LABELS,
    )


@bp.get("/cert/<serial>.cer")
def cert_file(serial: str):
    """A certificate as a file (DER by default, or PEM with ?format=pem)."""
    row = _record(serial)
    fmt = (request.args.get("format") or "der").lower()
    if fmt not in ("der", "pem"):
        raise DomainError(N_("证书格式应为 der 或 pem"))
    cert_ = x509.load_der_x509_certificate(row.der)
    if fmt == "pem":
        return _attachment(keys.pem(cert_), f"{row.serial}.pem", "application/x-pem-file")
    return _attachment(row.der, f"{row.serial}.cer", "application/x-x509-ca-cert")


# --- certificate services -----------------------------------------------------------------------------


def _serviceable(who: str) -> list[tuple]:
    """The identity's store entries with a key and a certificate this CA issued: (entry, record, status)."""
    w = current_world()
    found = []
    for entry in store.entries(w, who):
        cert_ = store.certificate(entry)
        record = ca.known(w, cert_) if cert_ is not None and entry.key_blob is not None else None
        if record is not None:
            found.append((entry, record, ca.status(w, record)))
    return found


def _entry_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise DomainError(N_("请选择证书"))
    return int(text)


@bp.route("/service", methods=["GET", "POST"])
def service():
    """Revoke, suspend, resume or renew one of the identity's own certificates (its password proves it)."""
    who = owner()
    if request.method != "POST":
        return _page("pki/ca_service.html", rows=_serviceable(who), form={})
    form = {
        "entry": (request.form.get("entry") or "").strip(),
        "action": request.form.get("action") or "",
        "reason": request.form.get("reason") or "",
    }
    w = current_world()
    try:
        entry = store.get(w, who, _entry_id(form["entry"]))
        cert_ = store.certificate(entry)
        record = ca.known(w, cert_) if cert_ is not None else None
        if record is None:
            raise DomainError(N_("这张证书不是本 CA 签发的，不能在此办理"))
        if form["action"] not in SERVICE_ACTIONS:
            raise DomainError(N_("请选择要办理的业务"))
        password = request.form.get("password") or ""
        store.unlock(entry, password)  # proves possession of the key
        message = _act(w, who, record, form["action"], form["reason"], password)
    except DomainError as exc:
        return _page("pki/ca_service.html", exc.status, rows=_serviceable(who), form=form, error=refused(exc))
    done(message)
    return redirect(url_for("pki.service"))


def _act(w: World, who: str, record: Certificate, action: str, reason: str, password: str) -> str:
    """Carry out the chosen service; the confirmation names the serial and the new status."""
    if action == "revoke":
        ca.revoke(w, record, reason, by=who)
        return gettext("证书 %(serial)s 已吊销", serial=record.serial)
    if action == "suspend":
        ca.suspend(w, record, by=who)
        return gettext("证书 %(serial)s 已挂起", serial=record.serial)
    if action == "resume":
        ca.resume(w, record, by=who)
        return gettext("证书 %(serial)s 已解除挂起，恢复有效", serial=record.serial)
    key = keys.new_key()
    new = ca.renew(w, record, key.public_key(), by=who)
    store.import_key(w, who, key, x509.load_der_x509_certificate(new.der), password, "ca")
    return gettext(
        "证书已更新：新证书序列号 %(new)s，已放入证书管理器（密码不变）；原证书 %(serial)s 已作废",
        new=new.serial,
        serial=record.serial,
    )


# --- publication: CRL, CA certificates, OCSP -------------------------------------------------------


@bp.get("/repository")
def repository():
    """The CA's published files: root and issuing certificates, the CRL, the OCSP address."""
    w = current_world()
    return _page(
        "pki/ca_repository.html",
        root=store.details(ca.root_cert(w)),
        issuing=store.details(ca.issuing_cert(w)),
        crl_url=authority.CRL_URL,
        ocsp_url=authority.OCSP_URL,
    )


@bp.get("/crl/issuing.crl")
def crl():
    """The issuing CA's current certificate revocation list (DER)."""
    return _attachment(ca.crl_der(current_world()), "issuing.crl", "application/pkix-crl")


@bp.get("/root.cer")
def root():
    """The root certificate (the trust anchor), DER."""
    return _attachment(keys.der(ca.root_cert(current_world())), "root.cer", "application/x-x509-ca-cert")


@bp.get("/issuing.cer")
def issuing():
    """The issuing CA's certificate, DER."""
    return _attachment(
        keys.der(ca.issuing_cert(current_world())), "issuing.cer", "application/x-x509-ca-cert"
    )


@bp.post("/ocsp")
@csrf.exempt
def ocsp():
    """The OCSP responder (RFC 6960 over HTTP POST): a DER request in, a signed DER answer out."""
    body = request.get_data()[: keys.MAX_UPLOAD]
    return Response(ca.ocsp_answer(current_world(), body), mimetype="application/ocsp-response")
