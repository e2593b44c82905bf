"""Collective lesson preparation (集体备课): writes.

The author (a member of the office) drafts in sections and revises, each save a numbered version; members
of the same office comment per section in threads and propose edits, which the author accepts (a new
version) or declines; a preparation meeting is recorded; the office's director signs off, after which the
draft is closed and the signed version is the lecture's handout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import OfficeMembership, ResearchOffice
from peixun.offices.models_prep import (
    CommentKind,
    LessonPrep,
    LessonPrepVersion,
    PrepComment,
    PrepMeeting,
    PrepStatus,
    ProposalState,
)
from peixun.offices.selectors import is_director, is_member
from peixun.offices.services_richtext import plain_text, sanitise
from peixun.org.models import Cadre
from peixun.org.permissions import require as _require
from peixun.training.models import Lecture
from peixun.training.notifications import notify_cadres

ERR_NOT_MEMBER = "只有本教研室成员可以参与集体备课"
ERR_NOT_AUTHOR = "只有主备人可以修改讲稿"
ERR_NOT_DIRECTOR = "只有本教研室主任可以定稿"
ERR_SIGNED = "讲稿已定稿，不能再修改或评论"
ERR_REQUIRED = "此项为必填项"
ERR_SECTIONS = "讲稿至少需要一个段落，最多50个段落"
ERR_SECTION_TITLE = "每个段落都需要标题"
ERR_TOO_LONG = "讲稿内容过长"
ERR_SECTION = "段落不存在"
ERR_PARENT = "只能回复同一段落的意见"
ERR_PROPOSAL_REPLY = "修改建议不能作为回复提出"
ERR_NOT_PROPOSAL = "这不是待处理的修改建议"
ERR_STALE_PROPOSAL = "该段落在建议提出后已修改，请重新提出建议"
ERR_ATTENDEES = "参会人员只能是本教研室成员"
ERR_NO_CHANGE = "内容没有变化"
ERR_LECTURE = "课次不属于本教研室的培训班"
ERR_VERSION = "版本不存在"

KIND_NOTICE = "lessonprep"
MAX_SECTIONS = 50
MAX_CHARS = 200_000


def _clean_sections(sections: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned = [
        {"title": str(s.get("title", "")).strip()[:200], "html": sanitise(str(s.get("html", "")))} for s in sections
    ]
    if not 1 <= len(cleaned) <= MAX_SECTIONS:
        raise ValidationError({"sections": ERR_SECTIONS})
    if any(not s["title"] for s in cleaned):
        raise ValidationError({"sections": ERR_SECTION_TITLE})
    if sum(len(s["html"]) for s in cleaned) > MAX_CHARS:
        raise ValidationError({"sections": ERR_TOO_LONG})
    return cleaned


def _locked(prep: LessonPrep) -> LessonPrep:
    prep = LessonPrep.objects.select_for_update().get(pk=prep.pk)
    if prep.status != PrepStatus.DRAFTING:
        raise ValidationError({"status": ERR_SIGNED})
    return prep


def _notify(prep: LessonPrep, users: list[User], text: str) -> None:
    """In-app notices (training's inbox) to the given accounts' cadres."""
    cadre_ids = [u.cadre_id for u in users if u.cadre_id is not None]
    if cadre_ids:
        notify_cadres(cadre_ids=cadre_ids, kind=KIND_NOTICE, text=text, url=f"/offices/preps/{prep.pk}/")


def _latest(prep: LessonPrep) -> LessonPrepVersion:
    return prep.versions.order_by("-number").first()  # type: ignore[return-value]


def _new_version(prep: LessonPrep, actor: User, sections: list[dict[str, str]], note: str) -> LessonPrepVersion:
    last = _latest(prep)
    return LessonPrepVersion.objects.create(
        prep=prep, number=(last.number + 1) if last else 1, sections=sections, note=note[:300], author=actor
    )


@transaction.atomic
def prep_create(
    *,
    actor: User,
    office: ResearchOffice,
    title: str,
    sections: Iterable[dict[str, Any]],
    lecture: Lecture | None = None,
) -> LessonPrep:
    """A member of the office starts a draft and is its author (主备人)."""
    _require(is_member(actor, office.pk), ERR_NOT_MEMBER)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": ERR_REQUIRED})
    if lecture is not None and lecture.training_class.office_id != office.pk:
        raise ValidationError({"lecture": ERR_LECTURE})
    cleaned = _clean_sections(sections)
    prep = LessonPrep.objects.create(office=office, title=title[:200], lecture=lecture, author=actor)
    version = _new_version(prep, actor, cleaned, "初稿")
    audit_record(actor=actor, event=Event.LESSONPREP_SAVE, obj=prep, detail={"version": version.number})
    return prep


@transaction.atomic
def prep_revise(
    *, actor: User, prep: LessonPrep, sections: Iterable[dict[str, Any]], note: str = ""
) -> LessonPrepVersion:
    _require(is_member(actor, prep.office_id), ERR_NOT_MEMBER)
    _require(prep.author_id == actor.pk, ERR_NOT_AUTHOR)
    prep = _locked(prep)
    cleaned = _clean_sections(sections)
    last = _latest(prep)
    if last is not None and last.sections == cleaned:
        raise ValidationError({"sections": ERR_NO_CHANGE})
    version = _new_version(prep, actor, cleaned, (note or "").strip())
    audit_record(actor=actor, event=Event.LESSONPREP_SAVE, obj=prep, detail={"version": version.number})
    return version


@transaction.atomic
def comment_add(
    *,
    actor: User,
    prep: LessonPrep,
    section: int,
    body: str,
    parent: PrepComment | None = None,
    proposed_html: str = "",
) -> PrepComment:
    """A comment (or a reply in the section's thread), or a proposal: replacement text for the section."""
    _require(is_member(actor, prep.office_id), ERR_NOT_MEMBER)
    prep = _locked(prep)
    version = _latest(prep)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ERR_REQUIRED})
    if len(body) > 5000:
        raise ValidationError({"body": ERR_TOO_LONG})
    if not isinstance(section, int) or not 0 <= section < len(version.sections):
        raise ValidationError({"section": ERR_SECTION})
    proposal = bool((proposed_html or "").strip())
    if parent is not None:
        if parent.prep_id != prep.pk or parent.section != section or parent.parent_id is not None:
            raise ValidationError({"parent": ERR_PARENT})
        if proposal:
            raise ValidationError({"proposed_html": ERR_PROPOSAL_REPLY})
    comment = PrepComment.objects.create(
        prep=prep, version=version, section=section, parent=parent, body=body, author=actor,
        kind=CommentKind.PROPOSAL if proposal else CommentKind.COMMENT,
        proposed_html=sanitise(proposed_html) if proposal else "",
        state=ProposalState.OPEN if proposal else "",
    )  # fmt: skip
    told = {prep.author_id, parent.author_id if parent else prep.author_id} - {actor.pk}
    what = "提出了修改建议" if proposal else ("回复了意见" if parent else "发表了意见")
    _notify(prep, list(User.objects.filter(pk__in=told)), f"{actor}对备课稿“{prep.title}”{what}")
    return comment


@transaction.atomic
def proposal_decide(*, actor: User, proposal: PrepComment, accept: bool) -> LessonPrepVersion | None:
    """The author takes a proposed edit (a new version with that section replaced) or declines it."""
    prep = proposal.prep
    _require(is_member(actor, prep.office_id), ERR_NOT_MEMBER)
    _require(prep.author_id == actor.pk, ERR_NOT_AUTHOR)
    prep = _locked(prep)
    proposal = PrepComment.objects.select_for_update().get(pk=proposal.pk)
    if proposal.kind != CommentKind.PROPOSAL or proposal.state != ProposalState.OPEN:
        raise ValidationError({"proposal": ERR_NOT_PROPOSAL})
    version = None
    if accept:
        last = _latest(prep)
        base = proposal.version.sections
        i = proposal.section
        if i >= len(last.sections) or i >= len(base) or last.sections[i]["html"] != base[i]["html"]:
            raise ValidationError({"proposal": ERR_STALE_PROPOSAL})
        sections = [dict(s) for s in last.sections]
        sections[i]["html"] = proposal.proposed_html
        who = proposal.author.display_name or proposal.author.username
        version = _new_version(prep, actor, sections, f"采纳{who}对“{sections[i]['title']}”的修改建议")
        audit_record(actor=actor, event=Event.LESSONPREP_SAVE, obj=prep, detail={"version": version.number})
    proposal.state = ProposalState.ACCEPTED if accept else ProposalState.DECLINED
    proposal.save(update_fields=["state"])
    _notify(prep, [proposal.author], f"您对备课稿“{prep.title}”的修改建议{proposal.get_state_display()}")
    return version


@transaction.atomic
def meeting_record(
    *, actor: User, prep: LessonPrep, held_on: dt.date | None, attendees: Iterable[Cadre], conclusions: str
) -> PrepMeeting:
    """集体备课会 is recorded by the author or the director."""
    _require(is_member(actor, prep.office_id), ERR_NOT_MEMBER)
    _require(prep.author_id == actor.pk or is_director(actor, prep.office_id), ERR_NOT_AUTHOR)
    prep = _locked(prep)
    errors: dict[str, str] = {}
    people = list(attendees)
    members = set(OfficeMembership.objects.filter(office_id=prep.office_id).values_list("cadre_id", flat=True))
    if held_on is None:
        errors["held_on"] = ERR_REQUIRED
    if not people:
        errors["attendees"] = ERR_REQUIRED
    elif {c.pk for c in people} - members:
        errors["attendees"] = ERR_ATTENDEES
    conclusions = (conclusions or "").strip()
    if not conclusions:
        errors["conclusions"] = ERR_REQUIRED
    if errors or held_on is None:
        raise ValidationError(errors)
    meeting = PrepMeeting.objects.create(prep=prep, held_on=held_on, conclusions=conclusions, recorded_by=actor)
    meeting.attendees.set(people)
    audit_record(actor=actor, event=Event.LESSONPREP_MEETING, obj=prep, detail={"held_on": str(held_on)})
    return meeting


@transaction.atomic
def prep_sign_off(*, actor: User, prep: LessonPrep, number: int | None = None) -> LessonPrep:
    """The director of the prep's office signs off a version (the latest unless named): it becomes the
    lecture's handout and the draft closes."""
    _require(is_director(actor, prep.office_id), ERR_NOT_DIRECTOR)
    prep = _locked(prep)
    version = _latest(prep) if number is None else prep.versions.filter(number=number).first()
    if version is None:
        raise ValidationError({"version": ERR_VERSION})
    prep.status, prep.signed_version, prep.signed_by, prep.signed_at = (
        PrepStatus.SIGNED_OFF, version, actor, timezone.now(),
    )  # fmt: skip
    prep.save(update_fields=["status", "signed_version", "signed_by", "signed_at"])
    audit_record(actor=actor, event=Event.LESSONPREP_SIGN_OFF, obj=prep, detail={"version": version.number})
    notify_cadres(
        cadre_ids=OfficeMembership.objects.filter(office_id=prep.office_id).values_list("cadre_id", flat=True),
        kind=KIND_NOTICE, text=f"备课稿“{prep.title}”已由主任定稿（第{version.number}版）",
        url=f"/offices/preps/{prep.pk}/",
    )  # fmt: skip
    return prep


def version_text(version: LessonPrepVersion) -> list[tuple[str, str]]:
    """(title, plain text) per section, for the PDF handout."""
    return [(s["title"], plain_text(s["html"])) for s in version.sections]
