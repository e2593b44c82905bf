"""Editing a resource after it was organised: through the service, audited, a new file as a new version."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peixun.audit.models import AuditEvent
from peixun.library import services
from peixun.library.files import ERR_ACTIVE_CONTENT
from peixun.library.models import HandoutFile, Resource, ResourceStatus, Scope
from peixun.library.search import search
from peixun.library.tasks import handout_file_process, resource_reindex
from peixun.library.tests.factories import published
from peixun.library.tests.samples import pdf_bytes


def test_the_edit_page_changes_texts_tags_and_scope_and_the_audit_trail_names_the_changes(
    org_admin, lecture, trainee_a1, client_of
):
    resource = published(org_admin, lecture, title="旧标题", data=pdf_bytes("正文"))
    url = reverse("library:resource_edit", args=[resource.pk])
    client = client_of(org_admin)
    page = client.get(url).content.decode()
    assert "旧标题" in page and "v1" in page
    response = client.post(
        url,
        {
            "title": "巡视巡察新标题",
            "summary": "新摘要",
            "tags": "巡视，巡察",
            "scope": "provincial",
            "allow_download": "on",
        },
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.title, resource.summary, resource.scope) == ("巡视巡察新标题", "新摘要", Scope.PROVINCIAL)
    assert resource.status == ResourceStatus.PUBLISHED
    assert sorted(resource.tags.values_list("name", flat=True)) == ["巡察", "巡视"]
    event = AuditEvent.objects.filter(event="library.resource_save", object_id=str(resource.pk)).latest("pk")
    assert event.actor == org_admin
    assert set(event.detail["changed"]) == {"title", "summary", "scope", "tags"}
    resource_reindex(resource_id=resource.pk)
    # The new scope applies at once: a county trainee no longer finds or opens it.
    assert search(actor=trainee_a1, query="巡视巡察").total == 0
    assert client_of(trainee_a1).get(reverse("library:resource_detail", args=[resource.pk])).status_code == 404


def test_a_replacement_file_becomes_a_new_version_and_the_old_one_is_kept(org_admin, lecture, trainee_a1, client_of):
    resource = published(org_admin, lecture, title="讲义", data=pdf_bytes("第一版正文"))
    first = resource.file
    response = client_of(org_admin).post(
        reverse("library:resource_edit", args=[resource.pk]),
        {
            "title": "讲义",
            "scope": "all",
            "allow_download": "on",
            "file": SimpleUploadedFile("修订.pdf", pdf_bytes("廉政教育修订")),
        },
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.file.version == 2 and resource.file.handout_id == first.handout_id
    assert HandoutFile.objects.filter(handout=first.handout).count() == 2
    handout_file_process(file_id=resource.file_id)  # the extraction job (on commit in production)
    assert [r.pk for r in search(actor=trainee_a1, query="廉政教育").items] == [resource.pk]
    event = AuditEvent.objects.filter(event="library.resource_save", object_id=str(resource.pk)).latest("pk")
    assert event.detail["changed"] == ["file"] and event.detail["version"] == 2


def test_a_bad_replacement_file_is_refused_and_changes_nothing(org_admin, lecture, client_of):
    resource = published(org_admin, lecture, title="讲义")
    response = client_of(org_admin).post(
        reverse("library:resource_edit", args=[resource.pk]),
        {"title": "改了标题", "scope": "all", "file": SimpleUploadedFile("a.pdf", b"<html><script>x</script>")},
    )
    assert response.status_code == 400
    assert ERR_ACTIVE_CONTENT in response.content.decode()
    resource.refresh_from_db()
    assert resource.title == "讲义" and resource.file.version == 1


def test_a_chosen_units_scope_without_units_is_refused_with_the_message(org_admin, lecture, client_of):
    resource = published(org_admin, lecture, title="讲义")
    response = client_of(org_admin).post(
        reverse("library:resource_edit", args=[resource.pk]), {"title": "讲义", "scope": "units"}
    )
    assert response.status_code == 400
    assert services.ERR_UNITS_REQUIRED in response.content.decode()
    assert Resource.objects.get(pk=resource.pk).scope == Scope.ALL


def test_only_managers_of_the_resource_may_edit_it(org_admin, lecture, trainee_a1, client_of):
    resource = published(org_admin, lecture, title="讲义")
    with pytest.raises(PermissionDenied) as info:
        services.resource_update(actor=trainee_a1, resource=resource, title="x")
    assert str(info.value) == services.ERR_NOT_RESOURCE_MANAGER
    assert client_of(trainee_a1).get(reverse("library:resource_edit", args=[resource.pk])).status_code == 403
