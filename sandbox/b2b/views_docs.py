"""Online business documents (网上单证): forms, inbox and outbox, print view and PDF."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext

from sandbox.b2b import documents, forms, guard, pdf, rmb
from sandbox.b2b.document_models import STATUS_LABELS, DocStatus, Document
from sandbox.b2b.listing_models import KIND_LABELS
from sandbox.binding import current_world, done, refused
from sandbox.errors import N_, Conflict, DomainError, NotFound

bp = Blueprint("b2b_docs", __name__, url_prefix="/b2b/docs")
ACTION_LABELS = {
    "created": N_("创建草稿"),
    "updated": N_("保存草稿"),
    "sent": N_("发送"),
    "withdrawn": N_("撤回"),
    "accept": N_("接受"),
    "reject": N_("拒绝"),
    "revised": N_("修改（新版本）"),
    "superseded": N_("被新版本取代"),
}


@bp.context_processor
def _portal() -> dict:
    """What the platform's layout shows, and the documents' labels."""
    user = guard.signed_in()
    return {
        "b2b_user": user,
        "b2b_company": user.company if user else None,
        "kind_labels": KIND_LABELS,
        "doc_types": forms.REGISTRY,
        "doc_status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "group_labels": forms.GROUP_LABELS,
        "rmb_words": rmb.words,
        "yuan_text": rmb.yuan_text,
    }


def _messages(errors: dict[str, tuple[str, dict]]) -> dict[str, str]:
    return {name: gettext(key, **params) for name, (key, params) in errors.items()}


def _rows(raw: dict) -> list[dict]:
    """The line rows a form shows: those with text, then one blank row to fill."""
    rows = [r for r in raw.get("lines") or [] if any(str(v).strip() for v in r.values())]
    return [*rows, {}] if len(rows) < forms.MAX_LINES else rows


def _form_page(
    t: forms.DocType, raw: dict, doc: Document | None, errors: dict, error: str = "", status: int = 200
):
    receiver_id = request.form.get("receiver_id", type=int) if request.method == "POST" else None
    if receiver_id is None and doc is not None:
        receiver_id = doc.receiver_id
    page = render_template(
        "b2b/docs/form.html",
        t=t,
        doc=doc,
        values=raw.get("fields") or {},
        rows=_rows(raw),
        errors=errors,
        error=error,
        partners=documents.approved_partners(current_world(), g.company.id),
        receiver_id=receiver_id,
        units=forms.UNITS,
    )
    return page, status


def _save_or_send(t: forms.DocType, doc: Document | None):
    """Save the posted form as a draft, and send it when asked; the form again with errors if not."""
    w = current_world()
    raw = forms.raw_from_form(t, request.form)
    receiver_id = request.form.get("receiver_id", type=int)
    existing = doc
    try:
        if doc is None:
            doc = documents.create_draft(
                w, g.company.id, t.code, raw, receiver_id=receiver_id, author=g.member.name
            )
        else:
            documents.update_draft(w, g.company.id, doc.id, raw, receiver_id=receiver_id)
        if request.form.get("action") == "send":
            documents.send(w, g.company.id, doc.id, receiver_id=receiver_id)
            done(gettext("单证已发送：%(number)s", number=doc.number))
        else:
            done(gettext("草稿已保存"))
    except forms.FormInvalid as exc:
        # The request's changes are rolled back (4xx): a new draft is not kept, the form shows again.
        return _form_page(t, raw, existing, _messages(exc.errors), refused(exc), 422)
    except DomainError as exc:
        return _form_page(t, raw, existing, {}, refused(exc), exc.status)
    return redirect(url_for("b2b_docs.show", doc_id=doc.id))


@bp.get("/")
@guard.member_required
def index() -> str:
    """The company's documents: 收件箱 (received) or 发件箱 (drafted and sent), filtered by type and status."""
    w = current_world()
    box = request.args.get("box", "inbox")
    doc_type = request.args.get("type") or None
    status = request.args.get("status") or None
    finder = documents.outbox if box == "outbox" else documents.inbox
    return render_template(
        "b2b/docs/index.html",
        box="outbox" if box == "outbox" else "inbox",
        docs=finder(w, g.company.id, doc_type if doc_type in forms.REGISTRY else None, status),
        doc_type=doc_type or "",
        status=status or "",
        unread=len(documents.inbox(w, g.company.id, status=DocStatus.SENT)),
    )


@bp.get("/new")
@guard.member_required
def choose() -> str:
    """Which document to fill in."""
    return render_template("b2b/docs/choose.html", online=[forms.REGISTRY[c] for c in forms.ONLINE_TYPES])


@bp.route("/new/<doc_type>", methods=["GET", "POST"])
@guard.member_required
def new(doc_type: str):
    """A blank form of one type; saving makes a draft, sending validates and sends it."""
    if doc_type not in forms.ONLINE_TYPES:
        raise NotFound(N_("没有这种单证：%(code)s"), code=doc_type[:20])
    t = forms.get_type(doc_type)
    if request.method == "POST":
        return _save_or_send(t, None)
    return _form_page(t, {"fields": {}, "lines": []}, None, {})


@bp.get("/<int:doc_id>")
@guard.member_required
def show(doc_id: int):
    """A document: its own draft as a form, otherwise the document with its versions and history."""
    w = current_world()
    doc = documents.get(w, g.company.id, doc_id)
    t = forms.get_type(doc.doc_type)
    if doc.status == DocStatus.DRAFT:
        return _form_page(t, doc.form, doc, {})
    return render_template(
        "b2b/docs/show.html",
        t=t,
        doc=doc,
        versions=documents.versions(w, g.company.id, doc.id),
        history=documents.history(w, g.company.id, doc.id),
    )


@bp.post("/<int:doc_id>/edit")
@guard.member_required
def edit(doc_id: int):
    """Save (or send) a draft."""
    doc = documents.get(current_world(), g.company.id, doc_id)
    return _save_or_send(forms.get_type(doc.doc_type), doc)


@bp.post("/<int:doc_id>/<any(withdraw, accept, reject, revise):action>")
@guard.member_required
def act(doc_id: int, action: str):
    """The sender withdraws or revises; the receiver accepts or rejects with a reason."""
    w = current_world()
    note = request.form.get("note", "")
    try:
        if documents.get(w, g.company.id, doc_id).deal_id is not None:
            raise Conflict(N_("该单证属于一笔交易，请在交易页面处理"))
        if action == "withdraw":
            doc = documents.withdraw(w, g.company.id, doc_id, note)
            done(gettext("单证已撤回"))
        elif action == "revise":
            doc = documents.revise(w, g.company.id, doc_id)
            done(gettext("已生成新版本草稿，修改后请重新发送"))
        else:
            doc = documents.act(w, g.company.id, doc_id, action, note)
            done(gettext("已接受该单证") if action == "accept" else gettext("已拒绝该单证"))
    except DomainError as exc:
        return render_template("error.html", message=refused(exc)), exc.status
    return redirect(url_for("b2b_docs.show", doc_id=doc.id))


@bp.get("/<int:doc_id>/print")
@guard.member_required
def print_view(doc_id: int) -> str:
    """The document alone, for the printer."""
    doc = documents.get(current_world(), g.company.id, doc_id)
    return render_template("b2b/docs/print.html", t=forms.get_type(doc.doc_type), doc=doc)


@bp.get("/<int:doc_id>/pdf")
@guard.member_required
def pdf_download(doc_id: int) -> Response:
    """The document as a PDF with its Chinese text."""
    doc = documents.get(current_world(), g.company.id, doc_id)
    if doc.status == DocStatus.DRAFT:
        raise Conflict(N_("草稿不能下载 PDF，请先发送"))
    data = pdf.document_pdf(doc, forms.get_type(doc.doc_type), gettext)
    name = f"{doc.number}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
