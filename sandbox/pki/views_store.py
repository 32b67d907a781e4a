"""The certificate store (证书管理器): list, import, details, export, backup, delete, CSR, sign."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext
from stdnum.cn import uscc

from sandbox.binding import current_world, done, refused
from sandbox.errors import N_, DomainError
from sandbox.parsing import parse_int
from sandbox.pki import ca, keys, login, store
from sandbox.pki.authority import Subject
from sandbox.pki.models import CertKind, CertStatus, StoreEntry
from sandbox.pki.views import own_identities, owner, store_bp
from sandbox.worlds.world import World

MAX_NAME = 64  # X.509 upper bound of a CN or O
EXTENDED_USAGE_LABELS = {
    ExtendedKeyUsageOID.SERVER_AUTH: N_("服务器身份验证"),
    ExtendedKeyUsageOID.CLIENT_AUTH: N_("客户端身份验证"),
    ExtendedKeyUsageOID.EMAIL_PROTECTION: N_("安全电子邮件"),
    ExtendedKeyUsageOID.CODE_SIGNING: N_("代码签名"),
}


@dataclass(frozen=True)
class Row:
    """One entry as the store shows it: the certificate's details (None while a CSR waits)."""

    entry: StoreEntry
    details: store.Details | None
    issuer_cn: str
    status: str  # the CA's status (CertStatus), "" when this CA does not know the certificate

    @property
    def waiting(self) -> bool:
        """A key waiting for its certificate."""
        return self.details is None

    @property
    def can_sign(self) -> bool:
        """The certificate certifies a signing key."""
        return self.details is not None and "digital_signature" in self.details.key_usage

    @property
    def can_encrypt(self) -> bool:
        """The certificate certifies an encryption key."""
        return self.details is not None and "key_encipherment" in self.details.key_usage


def _cn(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()


def _row(w: World, entry: StoreEntry) -> Row:
    cert = store.certificate(entry)
    if cert is None:
        return Row(entry, None, "", "")
    record = ca.known(w, cert)
    return Row(entry, store.details(cert), _cn(cert.issuer), ca.status(w, record) if record else "")


def _page(template: str, status: int = 200, **context):  # noqa: ANN003, ANN202
    return render_template(
        template,
        me=owner(),
        identities=own_identities(),
        status_labels=CertStatus.LABELS,
        **context,
    ), status


def _upload(field: str) -> bytes | None:
    """The uploaded file's bytes (one more than the limit at most, so a big file is refused), or None."""
    file = request.files.get(field)
    if file is None or not file.filename:
        return None
    return file.read(keys.MAX_UPLOAD + 1)


def _filename(entry: StoreEntry, suffix: str) -> str:
    stem = re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", entry.label or "").strip("._")[:60]
    return f"{stem or 'certificate'}{suffix}"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@store_bp.get("/")
def index():
    """The identity's certificates and keys waiting for a certificate."""
    w = current_world()
    return _page("pki/store_index.html", rows=[_row(w, e) for e in store.entries(w, owner())])


@store_bp.route("/import", methods=["GET", "POST"])
def import_p12():
    """Import a .p12/.pfx file with its certificate password."""
    if request.method != "POST":
        return _page("pki/store_import.html")
    try:
        entry = store.import_p12(
            current_world(), owner(), _upload("p12") or b"", request.form.get("password", "")
        )
    except DomainError as exc:
        return _page("pki/store_import.html", exc.status, error=refused(exc))
    done(gettext("证书已导入"))
    return redirect(url_for("pki_store.detail", pk=entry.id))


def _detail(pk: int, status: int = 200, **context):  # noqa: ANN003, ANN202
    w = current_world()
    row = _row(w, store.get(w, owner(), pk))
    extended = []
    cert = store.certificate(row.entry)
    if cert is not None:
        try:
            oids = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            extended = [EXTENDED_USAGE_LABELS.get(oid, oid.dotted_string) for oid in oids]
        except x509.ExtensionNotFound:
            pass
    return _page(
        "pki/store_detail.html",
        status,
        row=row,
        extended=extended,
        key_usage_labels=store.KEY_USAGE_LABELS,
        **context,
    )


@store_bp.get("/<int:pk>")
def detail(pk: int):
    """A certificate's details and actions (export, backup, delete), or a waiting CSR."""
    return _detail(pk)


@store_bp.get("/<int:pk>/export.pem")
def export_pem(pk: int):
    """The certificate (no key) as PEM."""
    entry = store.get(current_world(), owner(), pk)
    cert = _certificate_of(entry)
    return _download(keys.pem(cert), "application/x-pem-file", _filename(entry, ".pem"))


@store_bp.get("/<int:pk>/export.der")
def export_der(pk: int):
    """The certificate (no key) as DER."""
    entry = store.get(current_world(), owner(), pk)
    cert = _certificate_of(entry)
    return _download(keys.der(cert), "application/pkix-cert", _filename(entry, ".der"))


def _certificate_of(entry: StoreEntry) -> x509.Certificate:
    cert = store.certificate(entry)
    if cert is None:
        raise DomainError(N_("证书尚未导入，只有证书请求"), 404)
    return cert


@store_bp.get("/<int:pk>/request.csr")
def export_csr(pk: int):
    """The certificate request (PEM) of a key waiting for its certificate."""
    entry = store.get(current_world(), owner(), pk)
    if not entry.csr_pem:
        raise DomainError(N_("这张证书没有证书请求"), 404)
    return _download(entry.csr_pem.encode(), "application/pkcs10", _filename(entry, ".csr"))


@store_bp.post("/<int:pk>/backup")
def backup(pk: int):
    """A .p12 backup of certificate and key under a new password (the current one unlocks the key)."""
    w = current_world()
    entry = store.get(w, owner(), pk)
    form = request.form
    try:
        if form.get("new_password", "") != form.get("new_password2", ""):
            raise DomainError(N_("两次输入的新密码不一致"))
        data = store.export_p12(w, entry, form.get("password", ""), form.get("new_password", ""))
    except DomainError as exc:
        return _detail(pk, exc.status, backup_error=refused(exc))
    return _download(data, "application/x-pkcs12", _filename(entry, ".p12"))


@store_bp.post("/<int:pk>/delete")
def delete(pk: int):
    """Remove a certificate (and its key) from the store, once confirmed."""
    w = current_world()
    entry = store.get(w, owner(), pk)
    if not request.form.get("confirm"):
        return _detail(pk, 400, delete_error=refused(DomainError(N_("请勾选“确认删除”"))))
    store.delete(w, entry)
    done(gettext("证书已从证书管理器中删除"))
    return redirect(url_for("pki_store.index"))


def _subject(form: dict[str, str]) -> Subject:
    """The CSR's subject from the form, or DomainError naming the wrong field."""
    if len(form["cn"]) > MAX_NAME or len(form["org"]) > MAX_NAME:
        raise DomainError(N_("通用名和单位名称不能超过 %(n)s 个字"), n=MAX_NAME)
    if not all(form[k].isprintable() for k in ("cn", "org", "province", "city")):
        raise DomainError(N_("通用名、单位和地区中不能有控制字符"))
    code = form["credit_code"].upper()
    if code and not uscc.is_valid(code):
        raise DomainError(N_("统一社会信用代码不正确（18 位，最后一位是校验码）"))
    return Subject(
        CertKind.ENTERPRISE if form["org"] else CertKind.PERSONAL,
        form["cn"],
        email=owner(),
        org=form["org"],
        credit_code=code,
        province=form["province"][:20],
        city=form["city"][:20],
    )


@store_bp.route("/request", methods=["GET", "POST"])
def request_csr():
    """Generate a key pair in the store and a certificate request (CSR) to take to the CA."""
    fields = ("cn", "org", "credit_code", "province", "city")
    form = {k: (request.form.get(k) or "").strip() for k in fields}
    if request.method != "POST":
        return _page("pki/store_request.html", form=form)
    try:
        subject = _subject(form)
        if request.form.get("password", "") != request.form.get("password2", ""):
            raise DomainError(N_("两次输入的证书密码不一致"))
        entry = store.request(current_world(), owner(), subject, request.form.get("password", ""))
    except DomainError as exc:
        return _page("pki/store_request.html", exc.status, form=form, error=refused(exc))
    done(gettext("已生成密钥对和证书请求，请复制证书请求到 CA 的证书下载页面"))
    return redirect(url_for("pki_store.detail", pk=entry.id))


@store_bp.route("/import-cert", methods=["GET", "POST"])
def import_cert():
    """Import an issued certificate (.cer/.pem/.crt, or pasted PEM): it joins the key waiting for it."""
    if request.method != "POST":
        return _page("pki/store_import_cert.html", cert_pem="")
    pasted = request.form.get("cert_pem", "")
    try:
        data = _upload("cert") or pasted.strip().encode()
        if not data:
            raise DomainError(N_("请选择证书文件，或粘贴证书（PEM）"))
        if len(data) > keys.MAX_UPLOAD:
            raise DomainError(N_("文件太大，不是证书文件"))
        entry = store.import_certificate(current_world(), owner(), data)
    except DomainError as exc:
        return _page(
            "pki/store_import_cert.html", exc.status, cert_pem=pasted[: keys.MAX_UPLOAD], error=refused(exc)
        )
    if entry.key_blob is not None:
        done(gettext("证书已导入，并与等待中的私钥配对"))
    else:
        done(gettext("证书已导入（他人证书，没有私钥）"))
    return redirect(url_for("pki_store.detail", pk=entry.id))


@dataclass(frozen=True)
class SignRequest:
    """What a relying party asks the store to sign for a certificate login."""

    audience: str
    challenge: str
    next: str
    site: str


def _sign_request() -> SignRequest:
    """The login request from the query string, or DomainError (400) when it is not one."""
    args = request.args
    audience, challenge = args.get("audience", "").strip(), args.get("challenge", "").strip()
    back = args.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back or not back.isprintable():
        raise DomainError(N_("登录请求无效：返回地址必须是本站的页面"))
    if not audience or len(audience) > 40 or not challenge or len(challenge) > 64:
        raise DomainError(N_("登录请求无效或已过期，请回到登录页重新开始"))
    site = args.get("site", "").strip()[:40] or audience
    return SignRequest(audience, challenge, back, site)


@store_bp.route("/sign", methods=["GET", "POST"])
def sign():
    """The USB key's step of a certificate login: choose a certificate, type its password, sign."""
    asked = _sign_request()
    w = current_world()
    rows = [_row(w, e) for e in store.signing_entries(w, owner())]
    if request.method != "POST":
        return _page("pki/store_sign.html", asked=asked, rows=rows)
    try:
        if not request.form.get("entry"):
            raise DomainError(N_("请选择用于登录的证书"))
        entry_id = parse_int(request.form.get("entry"), "entry")
        login.sign_challenge(
            w, owner(), entry_id, request.form.get("password", ""), asked.audience, asked.challenge
        )
    except DomainError as exc:
        return _page("pki/store_sign.html", exc.status, asked=asked, rows=rows, error=refused(exc))
    return redirect(asked.next, 303)
