"""The signed-off lesson draft as a PDF handout (讲义), in the CJK font, and its hand-over to the
lecture's handouts in the library (from where the organiser publishes it as a resource)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from peixun.accounts.models import User
from peixun.accounts.roles import Role
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


ERR_NOT_SIGNED = "备课稿尚未定稿，不能作为讲义提交"
ERR_NO_LECTURE = "备课稿未关联课次，不能作为讲义提交"
ERR_SUBMIT_NOT_ALLOWED = "只有主备人、本教研室主任或组织部可以将定稿提交为讲义"


@transaction.atomic
def prep_handout_submit(*, actor: User, prep: LessonPrep) -> object:
    """Hand the signed-off version to the lecture's handouts as a new PDF version (older ones are kept).

    The library's own upload service checks the file and the actor's right over the lecture again."""
    from peixun.library.services import handout_upload

    may = (
        actor.has_role(Role.ORG_ADMIN)
        or prep.author_id == actor.pk
        or prep.office_id in actor.grants.director_office_ids
    )
    if not may:
        raise PermissionDenied(ERR_SUBMIT_NOT_ALLOWED)
    if prep.signed_version is None:
        raise ValidationError({"prep": ERR_NOT_SIGNED})
    if prep.lecture is None:
        raise ValidationError({"lecture": ERR_NO_LECTURE})
    existing = prep.lecture.handouts.filter(title=prep.title[:200]).first()
    return handout_upload(
        actor=actor, lecture=prep.lecture, data=handout_pdf(prep), filename=f"{prep.title}.pdf",
        title=prep.title, handout=existing,
    )  # fmt: skip
