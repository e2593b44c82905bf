"""Shared PDF pieces: the CJK font and QR codes, for sign-in sheets, certificates, notices."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import qrcode
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT = "PeixunCJK"
# Debian's fonts-wqy-microhei first, Noto CJK as the alternative that make run may have installed.
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
)
ERR_NO_FONT = "找不到中文字体：请安装 fonts-wqy-microhei（make run 以 root 运行时会自动安装）"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the CJK font with reportlab once and return its name."""
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont(CJK_FONT, path, subfontIndex=index))
            return CJK_FONT
    raise RuntimeError(ERR_NO_FONT)


def qr_image(data: str, *, box_size: int = 4) -> ImageReader:
    """A QR code as an image reportlab can draw."""
    img = qrcode.make(data, box_size=box_size, border=1)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    return ImageReader(buf)
