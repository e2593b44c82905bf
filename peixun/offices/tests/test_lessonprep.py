from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.models import AuditEvent
from peixun.offices import services_prep as prep_services
from peixun.offices.models_prep import PrepStatus, ProposalState
from peixun.offices.selectors import prep_threads, preps_visible
from peixun.offices.services_richtext import diff_sections, sanitise
from peixun.training.models import Notification
from peixun.training.tests.factories import ClassFactory, LectureFactory

XSS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "<svg onload=alert(1)></svg>",
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">段</p>',
    '"><iframe src="javascript:alert(1)"></iframe>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


def draft(*texts: str) -> list[dict]:
    return [{"title": f"第{i + 1}部分", "html": f"<p>{t}</p>"} for i, t in enumerate(texts)]


@pytest.fixture
def prep(author, office):
    return prep_services.prep_create(actor=author, office=office, title="纪法衔接专题", sections=draft("引言", "正文"))


def test_the_author_revises_and_each_save_is_a_numbered_version(prep, author):
    v2 = prep_services.prep_revise(actor=author, prep=prep, sections=draft("引言", "正文修订"), note="充实正文")
    assert [v.number for v in prep.versions.all()] == [1, 2]
    assert v2.note == "充实正文"
    assert AuditEvent.objects.filter(event="offices.lessonprep_save", object_id=str(prep.pk)).count() == 2


def test_an_unchanged_draft_is_not_a_new_version(prep, author):
    with pytest.raises(ValidationError) as exc:
        prep_services.prep_revise(actor=author, prep=prep, sections=draft("引言", "正文"))
    assert exc.value.message_dict["sections"] == [prep_services.ERR_NO_CHANGE]


def test_only_the_author_revises(prep, office_member):
    with pytest.raises(PermissionDenied, match=prep_services.ERR_NOT_AUTHOR):
        prep_services.prep_revise(actor=office_member, prep=prep, sections=draft("改"))


def test_a_member_of_another_office_can_neither_read_nor_comment_nor_edit(prep, member_b, director_b):
    assert not preps_visible(actor=member_b).filter(pk=prep.pk).exists()
    with pytest.raises(PermissionDenied, match=prep_services.ERR_NOT_MEMBER):
        prep_services.comment_add(actor=member_b, prep=prep, section=0, body="路过")
    with pytest.raises(PermissionDenied, match=prep_services.ERR_NOT_DIRECTOR):
        prep_services.prep_sign_off(actor=director_b, prep=prep)
    with pytest.raises(PermissionDenied):
        prep_services.prep_create(actor=member_b, office=prep.office, title="越权", sections=draft("x"))


def test_comments_thread_per_section(prep, author, office_member, office_director):
    top = prep_services.comment_add(actor=office_member, prep=prep, section=1, body="案例偏少")
    prep_services.comment_add(actor=office_director, prep=prep, section=1, body="同意，补两个案例", parent=top)
    assert Notification.objects.filter(recipient=author, text__contains="发表了意见").exists()
    assert Notification.objects.filter(recipient=office_member, text__contains="回复了意见").exists()
    threads = prep_threads(prep)
    assert list(threads) == [1]
    assert [r.body for r in threads[1][0].replies.all()] == ["同意，补两个案例"]
    with pytest.raises(ValidationError) as exc:
        prep_services.comment_add(actor=office_director, prep=prep, section=0, body="错位回复", parent=top)
    assert exc.value.message_dict["parent"] == [prep_services.ERR_PARENT]
    with pytest.raises(ValidationError) as exc:
        prep_services.comment_add(actor=office_member, prep=prep, section=7, body="不存在的段落")
    assert exc.value.message_dict["section"] == [prep_services.ERR_SECTION]


def test_an_accepted_proposal_becomes_a_version_and_a_stale_one_is_refused(prep, author, office_member):
    proposal = prep_services.comment_add(
        actor=office_member, prep=prep, section=0, body="建议改写引言", proposed_html="<p>新的引言</p>"
    )
    stale = prep_services.comment_add(
        actor=office_member, prep=prep, section=0, body="另一种写法", proposed_html="<p>另一种引言</p>"
    )
    version = prep_services.proposal_decide(actor=author, proposal=proposal, accept=True)
    assert version.number == 2 and version.sections[0]["html"] == "<p>新的引言</p>"
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACCEPTED
    with pytest.raises(ValidationError) as exc:
        prep_services.proposal_decide(actor=author, proposal=stale, accept=True)
    assert exc.value.message_dict["proposal"] == [prep_services.ERR_STALE_PROPOSAL]
    prep_services.proposal_decide(actor=author, proposal=stale, accept=False)
    stale.refresh_from_db()
    assert stale.state == ProposalState.DECLINED


def test_a_meeting_records_office_members_only(prep, author, office_director, office_member, member_b):
    meeting = prep_services.meeting_record(
        actor=author, prep=prep, held_on=dt.date(2026, 5, 8),
        attendees=[author.cadre, office_member.cadre, office_director.cadre], conclusions="补充案例后定稿",
    )  # fmt: skip
    assert meeting.attendees.count() == 3
    with pytest.raises(ValidationError) as exc:
        prep_services.meeting_record(
            actor=author, prep=prep, held_on=dt.date(2026, 5, 8), attendees=[member_b.cadre], conclusions="x"
        )
    assert exc.value.message_dict["attendees"] == [prep_services.ERR_ATTENDEES]


def test_the_director_signs_off_and_the_draft_closes(prep, author, office_director, office_member):
    with pytest.raises(PermissionDenied):
        prep_services.prep_sign_off(actor=office_member, prep=prep)
    prep_services.prep_revise(actor=author, prep=prep, sections=draft("引言", "正文定稿"))
    signed = prep_services.prep_sign_off(actor=office_director, prep=prep)
    assert Notification.objects.filter(recipient=author, text__contains="已由主任定稿（第2版）").exists()
    assert signed.status == PrepStatus.SIGNED_OFF and signed.signed_version.number == 2
    with pytest.raises(ValidationError) as exc:
        prep_services.prep_revise(actor=author, prep=prep, sections=draft("再改"))
    assert exc.value.message_dict["status"] == [prep_services.ERR_SIGNED]
    with pytest.raises(ValidationError):
        prep_services.comment_add(actor=office_member, prep=prep, section=0, body="晚了")
    assert AuditEvent.objects.filter(event="offices.lessonprep_sign_off").exists()


def test_a_prep_is_tied_only_to_a_lecture_of_its_office(author, office, office_b):
    foreign = LectureFactory(training_class=ClassFactory(office=office_b))
    with pytest.raises(ValidationError) as exc:
        prep_services.prep_create(actor=author, office=office, title="t", sections=draft("x"), lecture=foreign)
    assert exc.value.message_dict["lecture"] == [prep_services.ERR_LECTURE]


@pytest.mark.parametrize("payload", XSS)
def test_hostile_markup_is_stored_inert(payload, author, office, office_member):
    p = prep_services.prep_create(
        actor=author, office=office, title="t", sections=[{"title": "一", "html": payload + "<p>正文</p>"}]
    )
    stored = p.versions.get().sections[0]["html"]
    lowered = stored.lower()
    for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<svg", "<style", "<img"):
        assert bad not in lowered
    proposal = prep_services.comment_add(actor=office_member, prep=p, section=0, body=payload, proposed_html=payload)
    assert "<script" not in proposal.proposed_html.lower() and "onerror" not in proposal.proposed_html.lower()


def test_the_sanitiser_keeps_ordinary_formatting():
    html = '<h3>要点</h3><p><strong>一是</strong>坚持<em>实事求是</em></p><ul><li>甲</li></ul><a href="https://x.cn">链</a>'
    cleaned = sanitise(html)
    for kept in ("<h3>", "<strong>", "<em>", "<ul>", "<li>", 'href="https://x.cn"'):
        assert kept in cleaned


def test_the_diff_marks_insertions_and_deletions_and_escapes_text():
    old = [{"title": "一", "html": "<p>坚持问题导向 &lt;b&gt;</p>"}, {"title": "二", "html": "<p>删去</p>"}]
    new = [{"title": "一", "html": "<p>坚持目标导向 &lt;b&gt;</p>"}]
    first, second = diff_sections(old, new)
    assert first.change == "changed"
    assert "<del>问题</del><ins>目标</ins>" in first.html
    assert "&lt;b&gt;" in first.html and "<b>" not in first.html
    assert second.change == "removed" and second.html == "<del>删去</del>"
