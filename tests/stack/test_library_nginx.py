"""Library files through the real front door: the app checks scope, nginx sends the bytes (X-Accel-Redirect)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from peixun.core.stack import Stack
from peixun.library.files import SANDBOX_CSP
from peixun.library.models import Scope
from peixun.library.stamp import IMAGE_META_KEY
from peixun.library.tests.factories import lecture_of, published
from peixun.library.tests.samples import PNG, pdf_bytes
from tests.stack.test_front_door import client, log_in

pytestmark = pytest.mark.stack


@pytest.fixture
def library(stack: Stack, settings, transactional_db, tree, office, org_admin, trainee_a1):  # type: ignore[no-untyped-def]
    """Resources stored in the stack's media root, committed so that the server sees them."""
    settings.MEDIA_ROOT = stack.media_root
    settings.TASKS_BACKEND = "sync"
    lecture = lecture_of(office)
    return {
        "province_only": published(
            org_admin, lecture, title="省直机关专用", scope=Scope.PROVINCIAL, data=pdf_bytes("省直机关内部材料")
        ),
        "image": published(org_admin, lecture, title="示意图", data=PNG, name="示意图.png"),
        "pdf": published(org_admin, lecture, title="两页讲义", data=pdf_bytes("第一页", "第二页")),
    }


def test_an_unauthorised_download_is_refused_through_nginx(stack: Stack, library, trainee_a1) -> None:
    resource = library["province_only"]
    with client(stack) as http:
        assert log_in(http, trainee_a1.username).status_code == 302
        response = http.get(f"/library/resources/{resource.pk}/download/")
        direct = http.get(f"/protected/{resource.file.stored_path}")
    assert response.status_code == 404
    assert b"%PDF" not in response.content
    assert "x-accel-redirect" not in response.headers
    assert direct.status_code == 404
    assert b"%PDF" not in direct.content


def test_nginx_sends_a_checked_original_as_an_attachment_with_nosniff_and_a_sandbox(
    stack: Stack, library, org_admin
) -> None:
    """The organiser's own copy of an uploaded version: checked by the app, the bytes sent by nginx."""
    file = library["image"].file
    with client(stack) as http:
        log_in(http, org_admin.username)
        response = http.get(f"/library/files/{file.pk}/download/")
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["server"] == "nginx"
    assert "x-accel-redirect" not in response.headers
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E7%A4%BA" in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == SANDBOX_CSP  # the template repeats the app's value


def test_a_reader_gets_an_image_stamped_with_his_name_never_the_original(stack: Stack, library, trainee_a1) -> None:
    with client(stack) as http:
        log_in(http, trainee_a1.username)
        response = http.get(f"/library/resources/{library['image'].pk}/download/")
        direct = http.get(f"/protected/{library['image'].file.stored_path}")
    assert response.status_code == 200
    assert response.content != PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    stamp = Image.open(io.BytesIO(response.content)).text[IMAGE_META_KEY]
    assert trainee_a1.display_name in stamp and trainee_a1.cadre.employee_number in stamp
    assert direct.status_code == 404


def test_a_pdf_download_through_nginx_is_stamped_on_every_page(stack: Stack, library, trainee_a1) -> None:
    with client(stack) as http:
        log_in(http, trainee_a1.username)
        response = http.get(f"/library/resources/{library['pdf'].pk}/download/")
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 2
    assert all(trainee_a1.cadre.employee_number in p.extract_text() for p in pages)
