from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from peixun.library.files import (
    ERR_ACTIVE_CONTENT,
    ERR_FILE_TYPE,
    content_disposition,
    neutralise_filename,
    sniff,
)
from peixun.library.models import FileKind
from peixun.library.tests.samples import PNG, docx_bytes, pdf_bytes, pptx_bytes


def refused(data: bytes) -> str:
    with pytest.raises(ValidationError) as info:
        sniff(data)
    return info.value.message_dict["file"][0]


def test_it_knows_files_by_their_bytes_not_their_names():
    assert sniff(pdf_bytes("讲义")) == FileKind.PDF
    assert sniff(docx_bytes("正文")) == FileKind.DOCX
    assert sniff(pptx_bytes("幻灯片")) == FileKind.PPTX
    assert sniff(PNG) == FileKind.PNG


def test_it_refuses_a_renamed_html_file():
    assert refused(b"<!DOCTYPE html><html><body>hi</body></html>") == ERR_ACTIVE_CONTENT
    assert refused(b"\n  <html><script>alert(1)</script>") == ERR_ACTIVE_CONTENT


def test_it_refuses_an_svg():
    assert (
        refused(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')
        == ERR_ACTIVE_CONTENT
    )
    assert refused(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') == ERR_ACTIVE_CONTENT


def test_it_refuses_a_pdf_html_polyglot():
    polyglot = pdf_bytes("讲义") + b"\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    assert polyglot.startswith(b"%PDF-")
    assert refused(polyglot) == ERR_ACTIVE_CONTENT


def test_it_refuses_a_png_with_a_script_in_a_comment():
    assert refused(PNG + b"tEXtComment\x00<script>alert(1)</script>") == ERR_ACTIVE_CONTENT


def test_it_refuses_unknown_types_and_scripts():
    assert refused(b"just some text") == ERR_FILE_TYPE
    assert refused(b"#!/bin/sh\nrm -rf /") == ERR_ACTIVE_CONTENT
    assert refused(b"MZ\x90\x00") == ERR_FILE_TYPE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
        ("/var/www/讲义.pdf", "讲义.pdf"),
        ("a\x00b\r\nc.pdf", "abc.pdf"),
        ("....", "讲义.pdf"),
        ('ev"il;name<>.html', "ev_il_name.pdf"),
        ("监督执纪.exe", "监督执纪.pdf"),
    ],
)
def test_traversal_and_odd_filenames_are_neutralised(name, expected):
    assert neutralise_filename(name, FileKind.PDF) == expected


def test_content_disposition_carries_an_ascii_fallback_and_the_utf8_name():
    value = content_disposition("监督执纪 v2.pdf")
    assert value.startswith('attachment; filename="____ v2.pdf"')
    assert "filename*=UTF-8''%E7%9B%91" in value
