from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peixun.library.files import ERR_ACTIVE_CONTENT
from peixun.library.models import Handout, Resource, ResourceStatus
from peixun.library.tests.factories import published, upload
from peixun.library.tests.samples import docx_bytes, pdf_bytes


def test_the_upload_page_refuses_a_renamed_html_file_with_a_clear_message(teacher, lecture, client_of):
    url = reverse("library:lecture_handouts", args=[lecture.pk])
    fake = SimpleUploadedFile("讲义.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client_of(teacher).post(url, {"file": fake, "title": "第一讲"})
    assert response.status_code == 400
    assert ERR_ACTIVE_CONTENT in response.content.decode()
    assert not Handout.objects.exists()


def test_the_upload_page_stores_a_pdf_and_lists_its_versions(
    teacher, lecture, client_of, django_capture_on_commit_callbacks
):
    url = reverse("library:lecture_handouts", args=[lecture.pk])
    client = client_of(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"file": SimpleUploadedFile("../../第一讲.pdf", pdf_bytes("正文")), "title": "第一讲"}
        )
    assert response.status_code == 302
    handout = Handout.objects.get()
    assert handout.current.text.strip() == "正文"
    client.post(url, {"file": SimpleUploadedFile("第一讲.pdf", pdf_bytes("修订")), "handout": handout.pk})
    page = client.get(url).content.decode()
    assert "v1" in page and "v2" in page and "第一讲.pdf" in page


def test_the_organise_page_creates_a_draft_the_office_then_publishes(office_member, teacher, lecture, client_of):
    file = upload(teacher, lecture)
    client = client_of(office_member)
    response = client.post(
        reverse("library:resource_organise", args=[file.pk]),
        {"title": "整理后的讲义", "summary": "摘要", "tags": "执纪", "scope": "all", "allow_download": "on"},
    )
    resource = Resource.objects.get()
    assert response.status_code == 302 and resource.status == ResourceStatus.DRAFT
    client.post(reverse("library:resource_publish", args=[resource.pk]))
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.PUBLISHED


def test_the_search_page_highlights_matches_from_a_docx(org_admin, lecture, trainee_a1, client_of):
    published(org_admin, lecture, title="第三讲", name="x.docx", data=docx_bytes("要把监督执纪挺在前面"))
    page = client_of(trainee_a1).get(reverse("library:index"), {"q": "监督执纪"}).content.decode()
    assert "第三讲" in page
    assert "<mark>监督执纪</mark>" in page


def test_favourites_my_downloads_and_reading_statistics(org_admin, lecture, trainee_a1, client_of):
    resource = published(org_admin, lecture, title="常读资源")
    client = client_of(trainee_a1)
    client.get(reverse("library:resource_detail", args=[resource.pk]))
    client.post(reverse("library:resource_favourite", args=[resource.pk]))
    client.get(reverse("library:resource_download", args=[resource.pk]))
    assert "常读资源" in client.get(reverse("library:favourites")).content.decode()
    assert "常读资源" in client.get(reverse("library:downloads")).content.decode()
    resource.refresh_from_db()
    assert (resource.read_count, resource.download_count) == (1, 1)
    stats = client_of(org_admin).get(reverse("library:manage")).content.decode()
    assert "甲一县纪委监委" in stats
    popular = client.get(reverse("library:index"), {"order": "popular"}).content.decode()
    assert "常读资源" in popular
