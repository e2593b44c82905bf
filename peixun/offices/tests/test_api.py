"""The offices' JSON API for topics and textbooks: scoped to the caller's offices, filters validated."""

from __future__ import annotations

import datetime as dt

import pytest

from peixun.offices import services_work as work
from peixun.offices.api import ERR_OFFICE, ERR_STATUS

pytestmark = pytest.mark.django_db


@pytest.fixture
def work_items(office, office_b, office_director, office_member, director_b, member_b):
    topic = work.topic_save(
        actor=office_director, office=office, title="本室课题", plan="计划", members=[office_member.cadre]
    )
    work.milestone_add(actor=office_member, topic=topic, title="节点一", due_on=dt.date(2026, 6, 30))
    work.topic_save(actor=director_b, office=office_b, title="乙室课题", plan="计划")
    book = work.textbook_save(actor=office_director, office=office, title="本室教材", outline="大纲")
    chapter = work.chapter_assign(
        actor=office_director, textbook=book, order=1, title="总论", assignee=office_member.cadre
    )
    work.chapter_draft(actor=office_member, chapter=chapter, draft="<p>初稿正文不外露</p>")
    work.textbook_save(actor=director_b, office=office_b, title="乙室教材", outline="大纲")
    return {"topic": topic, "book": book}


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_a_member_lists_only_their_offices_topics_and_textbooks(client_of, office_member, work_items):
    client = client_of(office_member)
    topics = client.get("/api/offices/topics/").json()["results"]
    assert [t["title"] for t in topics] == ["本室课题"]
    assert topics[0]["members"] == [{"id": office_member.cadre_id, "name": office_member.cadre.name}]
    assert [m["title"] for m in topics[0]["milestones"]] == ["节点一"]
    books = client.get("/api/offices/textbooks/").json()["results"]
    assert [b["title"] for b in books] == ["本室教材"] and books[0]["chapters"][0]["status"] == "drafted"
    assert "初稿正文不外露" not in client.get("/api/offices/textbooks/").content.decode()


def test_the_org_admin_filters_by_office_and_status(client_of, org_admin, work_items, office_b):
    client = client_of(org_admin)
    assert sorted(_titles(client.get("/api/offices/topics/"))) == ["乙室课题", "本室课题"]
    assert _titles(client.get("/api/offices/topics/", {"office": office_b.pk})) == ["乙室课题"]
    assert _titles(client.get("/api/offices/textbooks/", {"status": "drafting"})) == ["本室教材"]


@pytest.mark.parametrize(
    ("path", "params", "field", "message"),
    [
        ("topics", {"office": "999999"}, "office", ERR_OFFICE),
        ("topics", {"status": "done"}, "status", ERR_STATUS),
        ("textbooks", {"office": "abc"}, "office", ERR_OFFICE),
    ],
)
def test_a_bad_filter_is_a_400_in_the_common_shape(client_of, org_admin, work_items, path, params, field, message):
    response = client_of(org_admin).get(f"/api/offices/{path}/", params)
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field] == [message]


def test_another_offices_topic_is_a_404(client_of, member_b, work_items):
    response = client_of(member_b).get(f"/api/offices/topics/{work_items['topic'].pk}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_schema_documents_the_filters(client_of, org_admin):
    schema = client_of(org_admin).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/offices/topics/", "/api/offices/textbooks/"):
        op = schema["paths"][path]["get"]
        assert {"office", "status"} <= {p["name"] for p in op["parameters"]} and "400" in op["responses"]
