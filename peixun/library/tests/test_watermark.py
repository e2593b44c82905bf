"""Images and Office files never leave unstamped to a reader: images are stamped per request, Office files go
out as the stamped PDF of their conversion, and until that exists a reader is refused with the reason."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image, ImageChops

from peixun.audit.models import AuditEvent
from peixun.library import services
from peixun.library.models import ExtractStatus, HandoutFile
from peixun.library.stamp import IMAGE_META_KEY
from peixun.library.tests.factories import published
from peixun.library.tests.samples import JPEG, PNG, docx_bytes


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


def _changed_rows(original: bytes, stamped: bytes) -> tuple[int, int]:
    """Which pixel rows differ between the two pictures: (first, last)."""
    a = Image.open(io.BytesIO(original)).convert("RGB")
    b = Image.open(io.BytesIO(stamped)).convert("RGB")
    assert a.size == b.size
    box = ImageChops.difference(a, b).getbbox()
    assert box is not None, "the stamped picture is identical to the original"
    return box[1], box[3]


def test_a_downloaded_image_carries_a_visible_stamp_naming_the_reader(org_admin, lecture, trainee_a1, client_of):
    resource = published(org_admin, lecture, title="示意图", data=PNG, name="示意图.png")
    response = client_of(trainee_a1).get(reverse("library:resource_download", args=[resource.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    data = _body(response)
    image = Image.open(io.BytesIO(data))
    stamp = image.text[IMAGE_META_KEY]
    assert trainee_a1.display_name in stamp and trainee_a1.cadre.employee_number in stamp
    top, bottom = _changed_rows(PNG, data)
    assert bottom >= image.height - 3  # the foot band is drawn over the picture itself
    assert bottom - top > image.height // 2  # and the diagonal pattern across most of it
    assert AuditEvent.objects.filter(event="download", object_id=str(resource.pk)).get().detail["stamped"] is True


def test_two_readers_get_differently_stamped_pixels_and_the_preview_is_stamped_too(
    org_admin, lecture, trainee_a1, trainee_b1, client_of
):
    resource = published(org_admin, lecture, title="照片", data=JPEG, name="照片.jpg")
    copies = {}
    for user in (trainee_a1, trainee_b1):
        response = client_of(user).get(reverse("library:resource_download", args=[resource.pk]))
        assert response["Content-Type"] == "image/jpeg"
        copies[user.pk] = _body(response)
        comment = Image.open(io.BytesIO(copies[user.pk])).info["comment"].decode()
        assert user.cadre.employee_number in comment
    a = Image.open(io.BytesIO(copies[trainee_a1.pk])).convert("RGB")
    b = Image.open(io.BytesIO(copies[trainee_b1.pk])).convert("RGB")
    assert ImageChops.difference(a, b).getbbox() is not None
    preview = client_of(trainee_a1).get(reverse("library:resource_preview", args=[resource.pk]))
    assert preview["Content-Disposition"].startswith("inline;")
    assert trainee_a1.cadre.employee_number in Image.open(io.BytesIO(_body(preview))).info["comment"].decode()
    _changed_rows(JPEG, _body(preview))


def _unconverted_docx(org_admin, lecture, status: str):  # type: ignore[no-untyped-def]
    """A published Word resource whose conversion job has not produced a PDF (it never ran, or failed)."""
    file = services.handout_upload(actor=org_admin, lecture=lecture, data=docx_bytes("监督执纪"), filename="a.docx")
    HandoutFile.objects.filter(pk=file.pk).update(convert_status=status)
    file.refresh_from_db()
    resource = services.resource_save(actor=org_admin, file=file, title="未转换的讲义")
    return services.resource_publish(actor=org_admin, resource=resource)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ExtractStatus.PENDING, services.ERR_CONVERSION_PENDING),
        (ExtractStatus.FAILED, services.ERR_CONVERSION_FAILED),
    ],
)
def test_a_reader_is_refused_an_office_file_until_its_stamped_pdf_exists(
    org_admin, lecture, trainee_a1, client_of, status, message
):
    resource = _unconverted_docx(org_admin, lecture, status)
    client = client_of(trainee_a1)
    response = client.get(reverse("library:resource_download", args=[resource.pk]))
    assert response.status_code == 409
    body = response.content.decode()
    assert message in body
    assert b"PK\x03\x04" not in response.content
    assert "X-Accel-Redirect" not in response
    assert not AuditEvent.objects.filter(event="download").exists()
    detail = client.get(reverse("library:resource_detail", args=[resource.pk])).content.decode()
    assert message in detail


def test_the_organiser_may_still_take_the_original_of_an_unconverted_office_file(org_admin, lecture, client_of):
    resource = _unconverted_docx(org_admin, lecture, ExtractStatus.FAILED)
    response = client_of(org_admin).get(
        reverse("library:resource_download", args=[resource.pk]), HTTP_X_REAL_IP="10.0.0.9"
    )
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected/{resource.file.stored_path}"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert AuditEvent.objects.get(event="download").detail["stamped"] is False
