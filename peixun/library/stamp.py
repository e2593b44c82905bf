"""Per-reader watermark: the downloader's name, employee number and time on every page.

Made per request and never cached, so two readers never receive each other's copy.
"""

from __future__ import annotations

import io

from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas

from peixun.accounts.models import User
from peixun.core.pdf import cjk_font


def stamp_text(user: User) -> str:
    number = user.cadre.employee_number if user.cadre_id else user.username
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return f"{user.display_name or user.username} {number} {when}"


def _overlay(width: float, height: float, text: str) -> PdfReader:
    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height))
    # One plain line at the foot (what text extraction finds) and a faint diagonal pattern across the page.
    c.setFillColor(Color(0.6, 0.1, 0.1, alpha=0.8))
    c.setFont(font, 8)
    c.drawString(20, 12, f"下载人：{text}")
    c.setFillColor(Color(0.5, 0.5, 0.5, alpha=0.18))
    c.setFont(font, 16)
    c.saveState()
    c.translate(width / 2, height / 2)
    c.rotate(35)
    step = 140
    for y in range(-int(height), int(height), step):
        for x in range(-int(width), int(width), 360):
            c.drawString(x, y, text)
    c.restoreState()
    c.save()
    buf.seek(0)
    return PdfReader(buf)


def stamp_pdf(data: bytes, user: User) -> bytes:
    text = stamp_text(user)
    writer = PdfWriter(clone_from=io.BytesIO(data))
    overlays: dict[tuple[float, float], PdfReader] = {}
    for page in writer.pages:
        box = page.mediabox
        size = (float(box.width), float(box.height))
        if size not in overlays:
            overlays[size] = _overlay(*size, text)
        page.merge_page(overlays[size].pages[0])
    writer.add_metadata({"/Subject": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
