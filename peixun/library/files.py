"""Upload checks by content, storage under random names, and the headers every served file carries."""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from peixun.library.models import FileKind

ERR_EMPTY = "请选择要上传的文件"
ERR_TOO_LARGE = "文件超过大小上限（{mb} MB）"
ERR_ACTIVE_CONTENT = "文件含有网页、SVG 或脚本内容，出于安全原因不予接收"
ERR_FILE_TYPE = "只能上传 PDF、Word（DOCX）、PowerPoint（PPTX）、Excel（XLSX）文件或 PNG、JPG、GIF 图片"
ERR_BROKEN_OFFICE = "Office 文件已损坏或不是 DOCX、PPTX、XLSX 格式"
ERR_BROKEN_IMAGE = "图片已损坏或过大，无法读取"

# Markers of content a browser would run or render as a page. A file that carries any of them anywhere
# (renamed HTML, SVG, a PDF/HTML polyglot, a script in an image comment) is refused.
# Markers of five bytes or more: shorter ones turn up by chance inside compressed streams of big files.
ACTIVE_MARKERS = (
    b"<html", b"<!doctype", b"<script", b"<svg ", b"<svg>", b"<svg\n", b"<svg\t", b"<body", b"<iframe",
    b"<head", b"<meta", b"<object", b"<embed", b"javascript:", b"/javascript", b"<?php", b"<?xml",
)  # fmt: skip
# Whatever a file starts with, these make it a page, an image the browser renders as XML, or a script.
ACTIVE_PREFIXES = (b"<", b"#!", b"\xef\xbb\xbf<", b"\xff\xfe", b"\xfe\xff")
OFFICE_MAIN_PART = {
    "word/document.xml": FileKind.DOCX,
    "ppt/presentation.xml": FileKind.PPTX,
    "xl/workbook.xml": FileKind.XLSX,
}
CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.GIF: "image/gif",
}
# Served files may never run anything, even if a browser were talked into rendering one.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def max_upload_bytes() -> int:
    configured = getattr(settings, "LIBRARY_MAX_UPLOAD_BYTES", None)
    if configured:
        return int(configured)
    return int(os.environ.get("PEIXUN_LIBRARY_MAX_UPLOAD_MB", "20")) * 1024 * 1024


def sniff(data: bytes) -> FileKind:
    """The file's kind from its bytes; ValidationError for anything not on the list or carrying active content."""
    if not data:
        raise ValidationError({"file": ERR_EMPTY})
    lowered = data.lower()
    if data.lstrip().startswith(ACTIVE_PREFIXES) or any(marker in lowered for marker in ACTIVE_MARKERS):
        raise ValidationError({"file": ERR_ACTIVE_CONTENT})
    if data.startswith(b"%PDF-"):
        return FileKind.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _image_checked(data, FileKind.PNG)
    if data.startswith(b"\xff\xd8\xff"):
        return _image_checked(data, FileKind.JPEG)
    if data.startswith((b"GIF87a", b"GIF89a")):
        return _image_checked(data, FileKind.GIF)
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    raise ValidationError({"file": ERR_FILE_TYPE})


def _image_checked(data: bytes, kind: FileKind) -> FileKind:
    """Every download of an image is a stamped copy, so an image Pillow cannot decode is refused up front."""
    from PIL import Image

    from peixun.library.stamp import MAX_IMAGE_PIXELS

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.size[0] * image.size[1] > MAX_IMAGE_PIXELS:  # checked before decoding a bomb
                raise ValueError("too large")
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError({"file": ERR_BROKEN_IMAGE}) from None
    return kind


def _office_kind(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                raise ValidationError({"file": ERR_BROKEN_OFFICE})
            for name in names:
                lower = name.lower()
                if lower.endswith((".html", ".htm", ".svg", ".js", ".xhtml")) or lower.startswith("/"):
                    raise ValidationError({"file": ERR_ACTIVE_CONTENT})
            for part, kind in OFFICE_MAIN_PART.items():
                if part in names:
                    return kind
    except zipfile.BadZipFile:
        raise ValidationError({"file": ERR_BROKEN_OFFICE}) from None
    raise ValidationError({"file": ERR_FILE_TYPE})


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;%]')


def neutralise_filename(name: str, kind: FileKind) -> str:
    """A display name without directories, control or shell-special bytes, ending in the kind's extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" ._")[:80] or "讲义"
    return f"{stem}.{kind.value}"


@dataclass(frozen=True)
class Stored:
    path: str  # relative to MEDIA_ROOT
    size: int
    sha256: str


PENDING_SUFFIX = ".part"


def store(data: bytes, kind: FileKind) -> Stored:
    """Write under MEDIA_ROOT/library/<2 hex>/<32 hex>.<ext>; never overwrites.

    Transactional: the bytes go to `<name>.part` and are renamed to their final name when the surrounding
    transaction commits. A rolled-back upload therefore never leaves a file under a name the database could
    refer to; its `.part` is removed by `discard()` (the service's own failures) or, if an outer transaction
    rolled back, by `manage.py library_orphans` a day later. Readers use `absolute()`, which finds either.
    """
    token = secrets.token_hex(16)
    relative = f"library/{token[:2]}/{token}.{kind.value}"
    write_transactional(relative, data)
    return Stored(path=relative, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def write_transactional(relative: str, data: bytes) -> None:
    target = final_path(relative)
    pending = target.with_name(target.name + PENDING_SUFFIX)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    if target.exists():  # random names never collide; refuse rather than overwrite if one ever did
        pending.unlink()
        raise FileExistsError(relative)
    transaction.on_commit(lambda: _promote(pending, target))  # runs at once outside a transaction


def _promote(pending: Path, target: Path) -> None:
    if pending.exists():
        os.replace(pending, target)


def discard(relative: str) -> None:
    """Remove a stored file (and its pending twin): the transaction that referred to it failed."""
    target = final_path(relative)
    for path in (target, target.with_name(target.name + PENDING_SUFFIX)):
        path.unlink(missing_ok=True)


def final_path(relative: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:  # stored paths are ours, but never follow one out of the media root
        raise ValueError(relative)
    return path


def absolute(relative: str) -> Path:
    """The file to read: its final name, or while the writing transaction is still open, its pending name."""
    path = final_path(relative)
    if not path.exists():
        pending = path.with_name(path.name + PENDING_SUFFIX)
        if pending.exists():
            return pending
    return path


def content_disposition(name: str, *, inline: bool = False) -> str:
    """RFC 6266/5987: an ASCII fallback and the UTF-8 name."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name) or "file"
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def protect(response, *, name: str, kind: FileKind | str, inline: bool = False):  # type: ignore[no-untyped-def]
    response["Content-Type"] = CONTENT_TYPES.get(FileKind(kind), "application/octet-stream")
    response["Content-Disposition"] = content_disposition(name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, no-store"
    return response
