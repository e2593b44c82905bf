from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from peixun.audit.models import AuditEvent
from peixun.library.models import Access, Scope
from peixun.library.services import ERR_DOWNLOAD_NOT_ALLOWED
from peixun.library.tests.factories import published
from peixun.library.tests.samples import pdf_bytes


def page_texts(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def test_every_page_of_a_download_is_stamped_and_two_readers_get_different_copies(
    org_admin, lecture, trainee_a1, trainee_b1, client_of
):
    resource = published(org_admin, lecture, title="三页讲义", data=pdf_bytes("第一页", "第二页", "第三页"))
    url = reverse("library:resource_download", args=[resource.pk])
    copies = {}
    for user in (trainee_a1, trainee_b1):
        response = client_of(user).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        data = b"".join(response.streaming_content) if response.streaming else response.content
        texts = page_texts(data)
        assert len(texts) == 3
        for text in texts:
            assert user.display_name in text
            assert user.cadre.employee_number in text
        copies[user.pk] = data
    assert copies[trainee_a1.pk] != copies[trainee_b1.pk]
    events = AuditEvent.objects.filter(event="download", object_type="library.resource", object_id=str(resource.pk))
    assert events.count() == 2
    assert Access.objects.filter(resource=resource, kind="download").count() == 2


def test_a_preview_only_resource_refuses_downloads_but_its_preview_is_stamped(
    org_admin, lecture, trainee_a1, client_of
):
    resource = published(org_admin, lecture, title="仅预览", allow_download=False)
    client = client_of(trainee_a1)
    refused = client.get(reverse("library:resource_download", args=[resource.pk]))
    assert refused.status_code == 403
    assert ERR_DOWNLOAD_NOT_ALLOWED in refused.content.decode()
    preview = client.get(reverse("library:resource_preview", args=[resource.pk]))
    assert preview.status_code == 200
    assert preview["Content-Disposition"].startswith("inline;")
    assert all(trainee_a1.cadre.employee_number in t for t in page_texts(preview.content))


def test_a_county_trainee_cannot_open_a_province_only_resource_by_url(org_admin, lecture, trainee_a1, client_of):
    resource = published(org_admin, lecture, title="省直机关专用", scope=Scope.PROVINCIAL)
    client = client_of(trainee_a1)
    for name in ("resource_detail", "resource_preview", "resource_download"):
        assert client.get(reverse(f"library:{name}", args=[resource.pk])).status_code == 404
    listing = client.get(reverse("library:index"))
    assert "省直机关专用" not in listing.content.decode()
    found = client.get(reverse("library:index"), {"q": "省直机关"})
    assert "省直机关专用" not in found.content.decode()


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_an_office_file_is_converted_to_pdf_for_preview(org_admin, lecture, trainee_a1, client_of):
    from peixun.library.tests.samples import docx_bytes

    resource = published(org_admin, lecture, title="Word 讲义", data=docx_bytes("监督执纪"), name="a.docx")
    resource.file.refresh_from_db()
    assert resource.file.pdf_path.endswith(".pdf")
    preview = client_of(trainee_a1).get(reverse("library:resource_preview", args=[resource.pk]))
    texts = page_texts(preview.content)
    assert "监督执纪" in texts[0] and trainee_a1.cadre.employee_number in texts[0]
