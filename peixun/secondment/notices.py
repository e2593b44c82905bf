"""The placement notice (岗位安排通知) to a sending or receiving unit, as a PDF in Chinese."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from peixun.core.pdf import cjk_font
from peixun.org.models import Unit
from peixun.secondment.models import Secondment, SecondmentBatch


def placement_notice_pdf(*, batch: SecondmentBatch, unit: Unit, rows: Sequence[Secondment]) -> bytes:
    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, firstLineIndent=22)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12)
    plain = ParagraphStyle("plain", fontName=font, fontSize=11, leading=18)
    right = ParagraphStyle("right", fontName=font, fontSize=11, leading=18, alignment=2)
    outgoing = [s for s in rows if s.sending_unit_id == unit.pk]
    incoming = [s for s in rows if s.receiving_unit_id == unit.pk]
    story: list[object] = [
        Paragraph(f"{batch.title}<br/>岗位安排通知", title),
        Spacer(1, 8 * mm),
        Paragraph(f"{unit.name}：", plain),
        Paragraph(
            f"根据《{batch.title}》工作安排，经组织部研究确定，现将涉及你单位的双向学习锻炼岗位安排通知如下。"
            f"锻炼期限自{batch.start_date:%Y年%m月%d日}至{batch.end_date:%Y年%m月%d日}。"
            "锻炼期间，锻炼干部脱离派出单位工作，由接收单位负责日常管理和考核，派出单位与接收单位应定期沟通。",
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    for heading, group in (("一、你单位派出人员", outgoing), ("二、你单位接收人员", incoming)):
        if not group:
            continue
        story.append(Paragraph(heading, plain))
        data = [[Paragraph(h, cell) for h in ("序号", "姓名", "派出单位", "接收单位", "岗位", "安排说明")]]
        for i, s in enumerate(group, 1):
            data.append(
                [
                    Paragraph(str(v), cell)
                    for v in (
                        i,
                        s.cadre.name,
                        s.sending_unit.name,
                        s.receiving_unit.name if s.receiving_unit else "",
                        s.post.title if s.post else "",
                        s.placement_note,
                    )
                ]
            )
        table = Table(data, colWidths=[10 * mm, 26 * mm, 34 * mm, 34 * mm, 30 * mm, 44 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [table, Spacer(1, 6 * mm)]
    if not outgoing and not incoming:
        story.append(Paragraph("本批次暂无涉及你单位的岗位安排。", body))
    story += [
        Spacer(1, 10 * mm),
        Paragraph("省纪委监委组织部", right),
        Paragraph(f"{timezone.localdate():%Y年%m月%d日}", right),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{batch.title} 岗位安排通知",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    ).build(story)
    return out.getvalue()
