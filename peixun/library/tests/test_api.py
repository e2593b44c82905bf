"""The library's JSON API: scoped like the pages, structured errors, documented in the schema."""

from __future__ import annotations

from peixun.library import services
from peixun.library.api import ERR_QUERY_TOO_LONG
from peixun.library.models import ExtractStatus, Favourite, HandoutFile, Scope
from peixun.library.tests.factories import published
from peixun.library.tests.samples import docx_bytes, pdf_bytes

LIST = "/api/library/resources/"


def test_the_list_shows_only_visible_published_resources(org_admin, lecture, trainee_a1, client_of):
    open_one = published(org_admin, lecture, title="全体可见讲义")
    published(org_admin, lecture, title="省直机关专用", scope=Scope.PROVINCIAL)
    body = client_of(trainee_a1).get(LIST).json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == open_one.pk and row["title"] == "全体可见讲义"
    assert row["file_kind"] == "pdf" and row["version"] == 1 and row["is_favourite"] is False
    assert row["preview_url"] == f"/library/resources/{open_one.pk}/preview/"


def test_search_through_the_api_counts_ranks_and_highlights(org_admin, lecture, trainee_a1, client_of):
    body_hit = published(org_admin, lecture, title="第三讲", data=pdf_bytes("强化监督执纪问责"))
    title_hit = published(org_admin, lecture, title="监督执纪工作规则", data=pdf_bytes("条文"))
    published(org_admin, lecture, title="省直专题监督执纪", scope=Scope.PROVINCIAL)
    body = client_of(trainee_a1).get(LIST, {"q": "监督执纪", "page_size": 1}).json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [title_hit.pk]
    assert "page=2" in body["next"] and body["previous"] is None
    second = client_of(trainee_a1).get(LIST, {"q": "监督执纪", "page_size": 1, "page": 2}).json()
    assert [r["id"] for r in second["results"]] == [body_hit.pk]
    assert "<mark>监督执纪</mark>" in second["results"][0]["snippet"]


def test_a_too_long_query_gets_a_structured_error(trainee_a1, client_of):
    response = client_of(trainee_a1).get(LIST, {"q": "纪" * 101})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"q": [ERR_QUERY_TOO_LONG]}


def test_a_hidden_resource_is_a_structured_404_and_anonymous_callers_are_refused(
    org_admin, lecture, trainee_a1, client_of, client
):
    hidden = published(org_admin, lecture, title="省直机关专用", scope=Scope.PROVINCIAL)
    response = client_of(trainee_a1).get(f"{LIST}{hidden.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client_of(trainee_a1).get(f"{LIST}{hidden.pk}/download/").status_code == 404
    assert client.get(LIST).status_code == 403


def test_the_download_endpoint_gives_the_stamped_link_or_says_why_not(org_admin, lecture, trainee_a1, client_of):
    pdf = published(org_admin, lecture, title="讲义")
    ok = client_of(trainee_a1).get(f"{LIST}{pdf.pk}/download/").json()
    assert ok == {"url": f"/library/resources/{pdf.pk}/download/", "delivery": "pdf", "stamped": True}
    preview_only = published(org_admin, lecture, title="仅预览", allow_download=False)
    refused = client_of(trainee_a1).get(f"{LIST}{preview_only.pk}/download/")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == services.ERR_DOWNLOAD_NOT_ALLOWED
    file = services.handout_upload(actor=org_admin, lecture=lecture, data=docx_bytes("正文"), filename="a.docx")
    HandoutFile.objects.filter(pk=file.pk).update(convert_status=ExtractStatus.PENDING)
    file.refresh_from_db()
    word = services.resource_publish(
        actor=org_admin, resource=services.resource_save(actor=org_admin, file=file, title="Word")
    )
    pending = client_of(trainee_a1).get(f"{LIST}{word.pk}/download/")
    assert pending.status_code == 409
    assert pending.json()["error"] == {"code": "conversion_pending", "message": services.ERR_CONVERSION_PENDING}
    original = client_of(org_admin).get(f"{LIST}{word.pk}/download/").json()
    assert original["delivery"] == "original" and original["stamped"] is False


def test_favourites_are_idempotent_and_listed(org_admin, lecture, trainee_a1, client_of):
    resource = published(org_admin, lecture, title="收藏的讲义")
    client = client_of(trainee_a1)
    for _ in range(2):
        assert client.post(f"{LIST}{resource.pk}/favourite/").json() == {"favourite": True}
    assert Favourite.objects.filter(user=trainee_a1).count() == 1
    listed = client.get(f"{LIST}favourites/").json()
    assert [r["id"] for r in listed["results"]] == [resource.pk] and listed["results"][0]["is_favourite"]
    assert client.get(f"{LIST}{resource.pk}/").json()["is_favourite"] is True
    assert client.delete(f"{LIST}{resource.pk}/favourite/").json() == {"favourite": False}
    assert not Favourite.objects.exists()


def test_the_library_api_is_in_the_schema(trainee_a1, client_of):
    schema = client_of(trainee_a1).get("/api/schema/", {"format": "json"}).json()
    for path in [LIST, f"{LIST}{{id}}/", f"{LIST}{{id}}/download/", f"{LIST}{{id}}/favourite/", f"{LIST}favourites/"]:
        assert path.replace("/api", "/api", 1) in schema["paths"], path
    params = {p["name"] for p in schema["paths"][LIST]["get"]["parameters"]}
    assert {"q", "category", "tag", "office", "order"} <= params
