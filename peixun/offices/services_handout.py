"""The signed-off lesson draft as a PDF handout (讲义), in the CJK font.

Publication to the resource library waits for the library issue; until then the handout is downloaded
from the lesson preparation page.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from peixun.core.pdf import cjk_font
from peixun.offices.models_prep import LessonPrep
from peixun.offices.services_richtext import plain_text


def handout_pdf(prep: LessonPrep) -> bytes:
    version = prep.signed_version
    assert version is not None
    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=6)
    meta = ParagraphStyle("m", fontName=font, fontSize=10, leading=14, alignment=1, textColor="#555555")
    head = ParagraphStyle("h", fontName=font, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=18, firstLineIndent=22, wordWrap="CJK")
    signed = timezone.localtime(prep.signed_at).strftime("%Y-%m-%d") if prep.signed_at else ""
    story = [
        Paragraph(escape(prep.title), title),
        Paragraph(escape(f"{prep.office.name} 集体备课 · 第{version.number}版 · 定稿 {signed}"), meta),
        Spacer(1, 6 * mm),
    ]
    for section in version.sections:
        story.append(Paragraph(escape(section["title"]), head))
        for line in plain_text(section["html"]).splitlines():
            if line.strip():
                story.append(Paragraph(escape(line.strip()), body))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title=prep.title)
    doc.build(story)
    return buf.getvalue()
