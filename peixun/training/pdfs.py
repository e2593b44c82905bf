"""Printable documents: per-venue sign-in sheets (a QR code per trainee) and completion certificates."""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from peixun.core.pdf import cjk_font, qr_image
from peixun.training.models import Certificate, Enrolment, TrainingClass, Venue

ROWS_PER_PAGE = 12


def trainee_code(enrolment: Enrolment) -> str:
    """What a trainee's QR on the sheet holds: the enrolment, signed so it cannot be made up."""
    sig = hmac.new(settings.SECRET_KEY.encode(), f"enrolment:{enrolment.pk}".encode(), hashlib.sha256).hexdigest()
    return f"PEIXUN-E:{enrolment.pk}:{sig[:12]}"


def signin_sheet(*, training_class: TrainingClass, venue: Venue, enrolments: Sequence[Enrolment]) -> bytes:
    font = cjk_font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(f"{training_class.title} 签到表 {venue.name}")
    width, height = A4
    lectures = list(training_class.lectures.all())
    pages = max(1, -(-len(enrolments) // ROWS_PER_PAGE))
    for page in range(pages):
        pdf.setFont(font, 16)
        pdf.drawCentredString(width / 2, height - 20 * mm, f"{training_class.title} 签到表")
        pdf.setFont(font, 10)
        dates = f"{training_class.start_date:%Y-%m-%d} 至 {training_class.end_date:%Y-%m-%d}"
        pdf.drawString(20 * mm, height - 30 * mm, f"分会场：{venue.name}    培训时间：{dates}    共{len(enrolments)}人")
        if lectures:
            first = timezone.localtime(lectures[0].starts_at)
            pdf.drawString(20 * mm, height - 36 * mm, f"课次：{len(lectures)}次，首次 {first:%Y-%m-%d %H:%M}")
        y = height - 46 * mm
        pdf.setFont(font, 10)
        for x, label in ((20, "序号"), (35, "姓名"), (65, "单位"), (125, "工号"), (150, "签名"), (178, "二维码")):
            pdf.drawString(x * mm, y, label)
        pdf.line(18 * mm, y - 2 * mm, width - 12 * mm, y - 2 * mm)
        row_h = 19 * mm
        for i, e in enumerate(enrolments[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]):
            top = y - 3 * mm - i * row_h
            base = top - row_h / 2
            number = page * ROWS_PER_PAGE + i + 1
            pdf.drawString(20 * mm, base, str(number))
            pdf.drawString(35 * mm, base, e.cadre.name)
            pdf.drawString(65 * mm, base, e.cadre.unit.name[:16])
            pdf.drawString(125 * mm, base, e.cadre.employee_number)
            pdf.drawImage(qr_image(trainee_code(e), box_size=2), 178 * mm, top - row_h + 1 * mm, 17 * mm, 17 * mm)
            pdf.line(18 * mm, top - row_h, width - 12 * mm, top - row_h)
        pdf.setFont(font, 8)
        pdf.drawCentredString(width / 2, 10 * mm, f"第 {page + 1} / {pages} 页")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    font = cjk_font()
    enrolment = certificate.enrolment
    cls = enrolment.training_class
    buf = io.BytesIO()
    size = landscape(A4)
    pdf = canvas.Canvas(buf, pagesize=size)
    pdf.setTitle(f"结业证书 {certificate.number}")
    width, height = size
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setFont(font, 36)
    pdf.drawCentredString(width / 2, height - 45 * mm, "结业证书")
    pdf.setFont(font, 16)
    text = pdf.beginText(40 * mm, height - 75 * mm)
    text.setFont(font, 16)
    text.setLeading(28)
    text.textLine(f"{enrolment.cadre.name}同志：")
    text.textLine(f"    于{cls.start_date:%Y年%m月%d日}至{cls.end_date:%Y年%m月%d日}参加“{cls.title}”学习，")
    text.textLine(f"    完成规定课程，获得学时{certificate.study_hours}学时，准予结业。")
    pdf.drawText(text)
    pdf.setFont(font, 12)
    pdf.drawString(40 * mm, 35 * mm, f"证书编号：{certificate.number}")
    pdf.drawString(40 * mm, 28 * mm, f"颁发日期：{timezone.localtime(certificate.issued_at):%Y年%m月%d日}")
    pdf.drawRightString(width - 70 * mm, 35 * mm, "省纪委监委组织部")
    pdf.drawImage(qr_image(verify_url, box_size=3), width - 60 * mm, 20 * mm, 35 * mm, 35 * mm)
    pdf.setFont(font, 8)
    pdf.drawCentredString(width - 42.5 * mm, 16 * mm, "扫码验证证书真伪")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
