from __future__ import annotations

from html.parser import HTMLParser

import pytest

from peixun.offices import services_prep as prep_services
from peixun.offices.tests.test_lessonprep import XSS, draft


class ActiveContent(HTMLParser):
    """Collects what a browser would act on: script-ish elements, event handlers, javascript: links."""

    DANGEROUS = {"script", "iframe", "svg", "math", "object", "embed", "img"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.DANGEROUS:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag}[{name}]")


def active_content(body: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(body)
    # The page's own scripts (htmx, the editor) are loaded from /static/ and are not user content.
    return [f for f in parser.found if f != "script"] + (
        ["inline script"] if "<script>" in body.replace("<script src", "") else []
    )


@pytest.fixture
def prep(author, office):
    return prep_services.prep_create(actor=author, office=office, title="纪法衔接专题", sections=draft("引言", "正文"))


def test_the_author_writes_a_draft_in_sections_through_the_page(client_of, author, office):
    response = client_of(author).post(
        f"/offices/{office.pk}/preps/new/",
        {"title": "新讲稿", "section_title": ["一、背景", "二、要点"],
         "section_html": ["<p>背景<script>alert(1)</script></p>", "<ul><li>要点</li></ul>"]},
    )  # fmt: skip
    assert response.status_code == 302
    page = client_of(author).get(response["Location"]).content.decode()
    assert "一、背景" in page and "<li>要点</li>" in page
    assert "<script>alert(1)</script>" not in page


def test_a_refused_draft_comes_back_sanitised(client_of, author, office):
    response = client_of(author).post(
        f"/offices/{office.pk}/preps/new/",
        {"title": "", "section_title": ["一"], "section_html": ['<img src=x onerror="alert(1)">正文']},
    )
    body = response.content.decode()
    assert response.status_code == 200 and prep_services.ERR_REQUIRED in body
    assert "onerror" not in body


def test_the_xss_corpus_renders_inert_in_sections_comments_proposals_and_the_diff(
    client_of, author, office, office_member, prep
):
    joined = "".join(XSS)
    prep_services.prep_revise(actor=author, prep=prep, sections=[{"title": "<b>一</b>", "html": joined}, *draft("x")])
    for payload in XSS:
        prep_services.comment_add(actor=office_member, prep=prep, section=0, body=payload, proposed_html=payload)
    client = client_of(office_member)
    for url in (f"/offices/preps/{prep.pk}/", f"/offices/preps/{prep.pk}/diff/?a=1&b=2"):
        assert active_content(client.get(url).content.decode()) == [], url
    body = client.get(f"/offices/preps/{prep.pk}/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body  # the comment text shows, escaped
    assert "&lt;b&gt;一&lt;/b&gt;" in body  # titles are text


def test_the_diff_page_shows_insertions_and_deletions(client_of, author, prep, office_member):
    prep_services.prep_revise(actor=author, prep=prep, sections=draft("引言", "正文加上案例"))
    body = client_of(office_member).get(f"/offices/preps/{prep.pk}/diff/?a=1&b=2").content.decode()
    assert "<ins>加上案例</ins>" in body and "已修改" in body


def test_the_signed_version_is_the_handout_as_html_and_pdf(client_of, author, prep, office_director, office_member):
    client = client_of(office_member)
    assert client.get(f"/offices/preps/{prep.pk}/handout/").status_code == 404
    prep_services.prep_sign_off(actor=office_director, prep=prep)
    assert "引言" in client.get(f"/offices/preps/{prep.pk}/handout/").content.decode()
    pdf = client.get(f"/offices/preps/{prep.pk}/handout/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_member_of_another_office_gets_404_for_the_workspace_and_draft(client_of, member_b, office, prep):
    client = client_of(member_b)
    assert client.get(f"/offices/{office.pk}/").status_code == 404
    assert client.get(f"/offices/preps/{prep.pk}/").status_code == 404
    assert client.post(f"/offices/preps/{prep.pk}/comment/", {"section": "0", "body": "x"}).status_code == 404


def test_the_org_department_manages_membership_from_the_members_page(client_of, org_admin, office, trainee_a1):
    client = client_of(org_admin)
    url = f"/offices/{office.pk}/members/add/"
    assert client.post(url, {"cadre": trainee_a1.cadre_id, "role": "member"}).status_code == 302
    assert office.memberships.filter(cadre=trainee_a1.cadre).exists()


def test_a_director_cannot_add_someone_out_of_reach(client_of, office_director, office, trainee_a1):
    url = f"/offices/{office.pk}/members/add/"
    response = client_of(office_director).post(url, {"cadre": trainee_a1.cadre_id, "role": "member"})
    assert response.status_code == 403
    assert not office.memberships.filter(cadre=trainee_a1.cadre).exists()


def test_the_workspace_page_stays_within_a_fixed_number_of_queries(
    client_of, office_member, office, prep, django_assert_max_num_queries
):
    client = client_of(office_member)
    client.get(f"/offices/{office.pk}/")
    with django_assert_max_num_queries(30):
        assert client.get(f"/offices/{office.pk}/").status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"/offices/preps/{prep.pk}/").status_code == 200


def test_the_lectures_teacher_reads_the_signed_handout_but_not_the_draft(
    client_of, author, office, office_director, teacher
):
    from peixun.training.tests.factories import ClassFactory, LectureFactory

    lecture = LectureFactory(training_class=ClassFactory(office=office), teacher=teacher, teacher_name="")
    prep = prep_services.prep_create(actor=author, office=office, title="讲义", sections=draft("正文"), lecture=lecture)
    client = client_of(teacher)
    assert client.get(f"/offices/preps/{prep.pk}/handout/").status_code == 404
    prep_services.prep_sign_off(actor=office_director, prep=prep)
    assert client.get(f"/offices/preps/{prep.pk}/handout/").status_code == 200
    assert client.post(f"/offices/preps/{prep.pk}/comment/", {"section": "0", "body": "x"}).status_code == 403
