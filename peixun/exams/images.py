"""Stem images: checked by content, stored under random names, served only to who may see the question.

An upload is accepted only if its bytes are a PNG, JPEG or GIF that Pillow decodes, with no marker of a page
or script anywhere in it (a renamed HTML file or an SVG is refused, whatever its name says). It is stored
under a random name (the uploader's file name is never used) and served inline with nosniff and a sandbox
policy, so that even a browser talked into rendering it could run nothing.
"""

from __future__ import annotations

import io
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.http.response import HttpResponseBase

from peixun.exams.models import Question

ERR_IMAGE_TYPE = "题干图片只能是 PNG、JPG 或 GIF 格式的图片"
ERR_IMAGE_TOO_LARGE = "题干图片不能超过 5 MB"
ERR_IMAGE_BROKEN = "题干图片已损坏或尺寸过大，无法读取"
ERR_IMAGE_ACTIVE = "题干图片含有网页或脚本内容，出于安全原因不予接收"

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
KINDS = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
)
CONTENT_TYPES = {ext: ctype for _, ext, ctype in KINDS}
ACTIVE_MARKERS = (b"<html", b"<!doctype", b"<script", b"<svg", b"<body", b"<iframe", b"javascript:", b"<?php")
SANDBOX_CSP = "sandbox; default-src 'none'"


def checked_image(upload: Any) -> tuple[bytes, str]:
    """(bytes, extension) of an acceptable stem image; ValidationError({"stem_image": ...}) otherwise."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError({"stem_image": ERR_IMAGE_TOO_LARGE})
    data = upload.read()
    kind = next(((ext, ctype) for magic, ext, ctype in KINDS if data.startswith(magic)), None)
    if kind is None:
        raise ValidationError({"stem_image": ERR_IMAGE_TYPE})
    if any(marker in data.lower() for marker in ACTIVE_MARKERS):
        raise ValidationError({"stem_image": ERR_IMAGE_ACTIVE})
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.size[0] * image.size[1] > MAX_IMAGE_PIXELS:  # checked before decoding a bomb
                raise ValueError("too large")
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError({"stem_image": ERR_IMAGE_BROKEN}) from None
    return data, kind[0]


def attach(question: Question, data: bytes, ext: str) -> None:
    """Store the image under a random name on the (unsaved) question."""
    question.stem_image.save(f"{secrets.token_hex(16)}.{ext}", ContentFile(data), save=False)


def serve(question: Question) -> HttpResponseBase:
    ext = (question.stem_image.name or "").rsplit(".", 1)[-1].lower()
    response = FileResponse(question.stem_image.open("rb"))
    response["Content-Type"] = CONTENT_TYPES.get(ext, "application/octet-stream")
    response["Content-Disposition"] = f'inline; filename="question-{question.pk}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response
