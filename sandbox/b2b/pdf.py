"""A sent document as a PDF (A4) with its Chinese text, drawn with fpdf2 and the machine's Noto CJK font.

fpdf2 embeds a subset of the font (a few kB per document) and reads OpenType CFF collections (.ttc) such
as fonts-noto-cjk's; no browser is started. Parsing the 20 MB collection takes about a second, once
per PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sandbox.b2b import rmb
from sandbox.b2b.document_models import STATUS_LABELS, Document
from sandbox.b2b.forms import DocType
from sandbox.errors import N_, DomainError

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # the collection's SC face
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
)
MONEY_COLUMNS = ("unit_price", "amount")


def font_file() -> tuple[str, int]:
    """The CJK font to embed and its index in the collection."""
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise DomainError(N_("服务器缺少中文字体（fonts-noto-cjk），无法生成 PDF"), status=503)


def _cell_text(column: str, value: object) -> str:
    if value is None:
        return ""
    if column in MONEY_COLUMNS and isinstance(value, int):
        return rmb.yuan_text(value)
    return str(value)


def document_pdf(doc: Document, t: DocType, tr: Callable[[str], str]) -> bytes:
    """The document as PDF bytes; `tr` translates the labels into the reader's language."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path, index = font_file()
    pdf = FPDF(format="A4")
    pdf.set_title(f"{tr(t.label)} {doc.number}")
    pdf.set_creator("EC Practical Sandbox")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 12, tr(t.label), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    sent = doc.sent_at.strftime("%Y-%m-%d %H:%M") if doc.sent_at else ""
    header = f"{tr(N_('单证编号'))}：{doc.number}    {tr(N_('版本'))}：V{doc.version}    {tr(N_('发送时间'))}：{sent}"
    pdf.cell(0, 7, header, align="C", new_x="LMARGIN", new_y="NEXT")
    sender = doc.sender.name if doc.sender else ""
    receiver = doc.receiver.name if doc.receiver else ""
    pdf.cell(
        0, 7, f"{tr(N_('发送方'))}：{sender}    {tr(N_('接收方'))}：{receiver}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    values = doc.values
    head = FontFace(fill_color=(235, 238, 243))
    with pdf.table(col_widths=(35, 145), first_row_as_headings=False, line_height=7) as table:
        for f in t.fields:
            if f.group in ("totals", "goods") or values.get(f.name) in (None, ""):
                continue
            row = table.row()
            row.cell(tr(f.label), style=head)
            row.cell(str(values[f.name]))
    pdf.ln(4)
    widths = tuple(30 if c.name == "name" else 20 for c in t.columns)
    with pdf.table(col_widths=widths, line_height=7, headings_style=head) as table:
        row = table.row()
        for c in t.columns:
            row.cell(tr(c.label))
        for line in doc.lines:
            row = table.row()
            for c in t.columns:
                row.cell(_cell_text(c.name, line.get(c.name)))
    if t.money and doc.grand_total_fen is not None:
        pdf.ln(4)
        with pdf.table(col_widths=(35, 145), first_row_as_headings=False, line_height=7) as table:
            rate = values.get("tax_rate")
            for label, text in (
                (tr(N_("合计金额")), f"¥{rmb.yuan_text(doc.total_fen or 0)}"),
                (tr(N_("税率")), f"{rate}%"),
                (tr(N_("税额")), f"¥{rmb.yuan_text(doc.tax_fen or 0)}"),
                (tr(N_("价税合计")), f"¥{rmb.yuan_text(doc.grand_total_fen)}"),
                (tr(N_("价税合计（大写）")), f"{tr(N_('人民币'))}{rmb.words(doc.grand_total_fen)}"),
            ):
                row = table.row()
                row.cell(label, style=head)
                row.cell(text)
    pdf.ln(4)
    pdf.cell(
        0,
        7,
        f"{tr(N_('状态'))}：{tr(STATUS_LABELS.get(doc.status, doc.status))}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
