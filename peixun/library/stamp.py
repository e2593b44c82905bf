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
    cadre = user.cadre if user.cadre_id else None
    number = cadre.employee_number if cadre is not None else user.username
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


# --- Images ---------------------------------------------------------------------------------------------

ERR_IMAGE_UNREADABLE = "图片无法读取，不能生成带水印的副本，请联系资源管理员"
IMAGE_META_KEY = "Peixun-Watermark"
# Lecture slides and scans are at most a few tens of megapixels; anything larger is refused, not decoded.
MAX_IMAGE_PIXELS = 60_000_000


def _image_font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    from peixun.core.pdf import FONT_CANDIDATES

    for path, index in FONT_CANDIDATES:
        try:
            return ImageFont.truetype(path, size=size, index=index)
        except OSError:
            continue
    raise RuntimeError(ERR_IMAGE_UNREADABLE)


def stamp_image(data: bytes, user: User) -> tuple[bytes, str]:
    """The image with a visible stamp (a solid band at the foot and a faint diagonal pattern), made per
    request. Returns the bytes and their format ("png" or "jpg"); GIFs come back as PNG of the first frame.
    The stamp text is also written into the file's comment/text chunk so that a leaked copy names its reader
    even after cropping."""
    from PIL import Image, ImageDraw, PngImagePlugin

    text = stamp_text(user)
    try:
        source = Image.open(io.BytesIO(data))
        if source.size[0] * source.size[1] > MAX_IMAGE_PIXELS:
            raise ValueError("too large")
        source.seek(0)
        fmt = "jpg" if source.format == "JPEG" else "png"
        image = source.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise ValueError(ERR_IMAGE_UNREADABLE) from None
    width, height = image.size
    size = max(12, min(width, height) // 25)
    font = _image_font(size)
    # The diagonal pattern: drawn on a larger transparent layer, rotated, then cropped to the image.
    side = int((width**2 + height**2) ** 0.5) + size * 2
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    step_y = size * 6
    step_x = int(draw.textlength(text, font=font)) + size * 4
    for y in range(0, side, step_y):
        offset = (y // step_y % 2) * step_x // 2
        for x in range(-step_x, side, step_x):
            draw.text((x + offset, y), text, font=font, fill=(128, 128, 128, 60))
    layer = layer.rotate(30, resample=Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    image.alpha_composite(layer.crop((left, top, left + width, top + height)))
    # The foot band: legible whatever the picture underneath.
    band_text = f"下载人：{text}"
    band_font = _image_font(max(10, min(size, int(width / max(1, len(band_text)) * 1.1))))
    band_height = int(band_font.size * 1.6)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - band_height, width, height), fill=(255, 255, 255, 210))
    draw.text((4, height - band_height + band_font.size * 0.25), band_text, font=band_font, fill=(150, 20, 20, 255))
    out = io.BytesIO()
    if fmt == "jpg":
        image.convert("RGB").save(out, format="JPEG", quality=90, comment=text.encode())
    else:
        info = PngImagePlugin.PngInfo()
        info.add_itxt(IMAGE_META_KEY, text)
        image.save(out, format="PNG", pnginfo=info)
    return out.getvalue(), fmt
