"""Real files for tests and the benchmark: PDFs drawn with reportlab, DOCX/PPTX written as OOXML zips."""

from __future__ import annotations

import io
import zipfile

from reportlab.pdfgen import canvas

from peixun.core.pdf import cjk_font

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def pdf_bytes(*pages: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    for text in pages or ("讲义",):
        c.setFont(cjk_font(), 14)
        c.drawString(72, 760, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def _zip(parts: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        for name, body in parts.items():
            z.writestr(name, body)
    return buf.getvalue()


DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def docx_bytes(*paragraphs: str) -> bytes:
    """A minimal but complete Word document (LibreOffice opens it)."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", DOCX_TYPES)
        z.writestr("_rels/.rels", DOCX_RELS)
        z.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>',
        )
    return buf.getvalue()


def pptx_bytes(*slides: str) -> bytes:
    parts = {"ppt/presentation.xml": '<?xml version="1.0"?><p:presentation xmlns:p="x"/>'}
    for i, text in enumerate(slides, 1):
        parts[f"ppt/slides/slide{i}.xml"] = (
            f'<?xml version="1.0"?><p:sld xmlns:p="x" xmlns:a="{A}"><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:sld>'
        )
    return _zip(parts)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (320, 200)) -> bytes:
    """A real picture (a gradient), so that decoding and stamping it is tested for real."""
    from PIL import Image

    image = Image.linear_gradient("L").resize(size).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
