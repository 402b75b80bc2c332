"""The payment notice (付款通知书) as a one-page A4 PDF: figures, capitals, approvals, seal.

Built with platypus into memory (the CLI writes the file), in the embedded
Chinese font, in reportlab's invariant mode: the same notice gives the same bytes.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from zhengkedai.domain.money import format_capital, format_grouped
from zhengkedai.domain.notice import PaymentNotice

from .fonts import cjk_font

_WIDTH = A4[0] - 40 * mm


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_notice(notice: PaymentNotice) -> bytes:
    """The notice's PDF bytes."""
    font = cjk_font().name
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=TA_CENTER)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12,
                           textColor=colors.HexColor("#555555"))

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(_escape(text), style)

    unrecorded = "（未登记，请于付款前核实补录）"
    rows = [
        [p("收款单位"), p(notice.payee)],
        [p("户名"), p(notice.account_name or unrecorded)],
        [p("账号"), p(notice.account_no or unrecorded)],
        [p("开户行"), p(notice.account_bank or unrecorded)],
        [p("金额（小写）"), p(f"¥{format_grouped(notice.amount)}")],
        [p("金额（大写）"), p(format_capital(notice.amount))],
        [p("资金来源"), p(notice.fund)],
        *[[p(label), p(text)] for label, text in notice.purpose],
        [p("审批"), p(f"{notice.approved_by}，{notice.approved_on.isoformat()}")],
        [p("付款"), p(f"{notice.paid_by}，{notice.paid_on.isoformat()}"
                    if notice.paid_by and notice.paid_on else "尚未支付")],
        [p("依据"), p(notice.source)],
    ]
    table = Table(rows, colWidths=[32 * mm, _WIDTH - 32 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    seal = Table([[p("出具单位（盖章）"), p("经办人"), p("复核人"), p("日期")],
                  ["", "", "", ""]],
                 colWidths=[_WIDTH * 0.4, _WIDTH * 0.2, _WIDTH * 0.2, _WIDTH * 0.2],
                 rowHeights=[8 * mm, 32 * mm])
    seal.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [
        p(notice.title, title), Spacer(0, 3 * mm),
        p(f"出具单位：{notice.issuer or '（未设置：zkd settings set issuer 名称）'}"),
        p(f"通知书编号：{notice.number}"), Spacer(0, 4 * mm),
        table, Spacer(0, 8 * mm), seal, Spacer(0, 4 * mm),
        p("金额以分为单位精确记账；大写金额与小写金额一致。本通知书由郑科贷账簿（zhengkedai）生成。",
          small),
    ]
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, invariant=1,
                            title=f"{notice.title} {notice.number}", author=notice.issuer,
                            creator="zhengkedai", lang="zh-CN")
    doc.build(story)
    return buf.getvalue()
