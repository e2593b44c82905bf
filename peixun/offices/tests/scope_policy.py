"""Scope policy of the offices' workspace. The foreign office (信访举报, "XF") has its director in city B
and its member in county B1; the fixtures' office_director/office_member belong to office "ZH" only, so
these entries prove that a member of one office cannot reach another's drafts, topics or textbooks.
Entries labelled "own" show the same pages open to the office's own people."""

from __future__ import annotations

import datetime as dt

from peixun.core.tests.scope import AUTHENTICATED, PROVINCE_ADMINS, Endpoint, World

ORG = frozenset({"org_admin"})
NOBODY: frozenset[str] = frozenset()
ZH = frozenset({"office_director", "office_member"})


def build(world: World) -> None:
    from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
    from peixun.offices.services_prep import comment_add, prep_create, prep_revise, prep_sign_off
    from peixun.offices.services_work import chapter_assign, milestone_add, textbook_save, topic_save
    from peixun.org.tests.factories import cadre_user

    office_b, _ = ResearchOffice.objects.get_or_create(
        code="XF", defaults={"name": "信访举报教研室", "field": "信访举报"}
    )
    director_b = cadre_user(unit=world.tree.city_b, name="乙室主任")
    member_b = cadre_user(unit=world.tree.county_b1, name="乙室成员")
    OfficeMembership.objects.create(office=office_b, cadre=director_b.cadre, role=OfficeRole.DIRECTOR)
    OfficeMembership.objects.create(office=office_b, cadre=member_b.cadre, role=OfficeRole.MEMBER)
    sections = [{"title": "一、信访工作", "html": "<p>乙室讲稿</p>"}]
    prep = prep_create(actor=member_b, office=office_b, title="乙室备课稿", sections=sections)
    prep_revise(actor=member_b, prep=prep, sections=[{"title": "一、信访工作", "html": "<p>乙室讲稿修订</p>"}])
    proposal = comment_add(actor=director_b, prep=prep, section=0, body="建议", proposed_html="<p>改</p>")
    signed = prep_create(actor=member_b, office=office_b, title="乙室定稿", sections=sections)
    prep_sign_off(actor=director_b, prep=signed)
    topic = topic_save(actor=director_b, office=office_b, title="乙室课题", plan="计划", members=[member_b.cadre])
    book = textbook_save(actor=director_b, office=office_b, title="乙室教材", outline="大纲")
    chapter = chapter_assign(actor=director_b, textbook=book, order=1, title="第一章", assignee=member_b.cadre)
    milestone = milestone_add(actor=director_b, topic=topic, title="乙室节点", due_on=dt.date(2026, 6, 30))

    office_zh = ResearchOffice.objects.get(code="ZH")
    own_prep = prep_create(actor=world.users["office_member"], office=office_zh, title="本室备课稿", sections=sections)
    world.extra.update(
        office_b=office_b,
        office_zh=office_zh,
        prep_b=prep,
        prep_signed_b=signed,
        proposal_b=proposal,
        topic_b=topic,
        textbook_b=book,
        member_b=member_b,
        chapter_b=chapter,
        milestone_b=milestone,
        own_prep=own_prep,
    )


def _pk(key: str):
    return lambda w: {"pk": w.extra[key].pk}


ENDPOINTS = [
    Endpoint("offices:office_list", allow=AUTHENTICATED),
    Endpoint("offices:office_detail", allow=PROVINCE_ADMINS, kwargs=_pk("office_b")),
    Endpoint("offices:office_detail", label="own", allow=PROVINCE_ADMINS | ZH, kwargs=_pk("office_zh")),
    Endpoint("offices:member_list", allow=PROVINCE_ADMINS, kwargs=_pk("office_b")),
    Endpoint("offices:member_list", label="own", allow=PROVINCE_ADMINS | ZH, kwargs=_pk("office_zh")),
    Endpoint("offices:member_search", allow=ORG, kwargs=_pk("office_b"), query=lambda w: {"q": w.member_b.cadre.name}),
    Endpoint(
        "offices:member_search",
        label="own",
        allow=ORG | {"office_director"},
        kwargs=_pk("office_zh"),
        query=lambda w: {"q": w.foreign_cadre.name},
        # A director searches the pool's teachers and their own unit, not county B1's cadres.
        hidden=lambda w: [w.foreign_cadre.employee_number],
    ),
    Endpoint(
        "offices:member_add",
        allow=ORG,
        method="POST",
        kwargs=_pk("office_b"),
        data=lambda w: {"cadre": w.foreign_cadre.pk, "role": "member"},
    ),
    Endpoint(
        "offices:member_add",
        label="own",
        allow=ORG,
        method="POST",
        kwargs=_pk("office_zh"),
        data=lambda w: {"cadre": w.foreign_cadre.pk, "role": "member"},
    ),
    Endpoint(
        "offices:member_role",
        allow=ORG,
        method="POST",
        kwargs=lambda w: {"pk": w.office_b.pk, "cadre_id": w.member_b.cadre_id},
        data=lambda w: {"role": "director"},
    ),
    Endpoint(
        "offices:member_remove",
        allow=ORG,
        method="POST",
        kwargs=lambda w: {"pk": w.office_b.pk, "cadre_id": w.member_b.cadre_id},
    ),
    Endpoint(
        "offices:member_remove",
        label="own",
        allow=ORG | {"office_director"},
        method="POST",
        kwargs=lambda w: {"pk": w.office_zh.pk, "cadre_id": w.users["office_member"].cadre_id},
    ),
    Endpoint("offices:prep_create", allow=NOBODY, kwargs=_pk("office_b")),
    Endpoint("offices:prep_create", label="own", allow=ZH, kwargs=_pk("office_zh")),
    Endpoint("offices:prep_detail", allow=PROVINCE_ADMINS, kwargs=_pk("prep_b")),
    Endpoint("offices:prep_detail", label="own", allow=PROVINCE_ADMINS | ZH, kwargs=_pk("own_prep")),
    Endpoint("offices:prep_edit", allow=NOBODY, kwargs=_pk("prep_b")),
    Endpoint("offices:prep_edit", label="own", allow=frozenset({"office_member"}), kwargs=_pk("own_prep")),
    Endpoint(
        "offices:prep_comment",
        allow=NOBODY,
        method="POST",
        kwargs=_pk("prep_b"),
        data=lambda w: {"section": "0", "body": "越权意见"},
    ),
    Endpoint(
        "offices:prep_comment",
        label="own",
        allow=ZH,
        method="POST",
        kwargs=_pk("own_prep"),
        data=lambda w: {"section": "0", "body": "本室意见"},
    ),
    Endpoint(
        "offices:prep_meeting",
        allow=NOBODY,
        method="POST",
        kwargs=_pk("prep_b"),
        data=lambda w: {"held_on": "2026-05-08", "conclusions": "x"},
    ),
    Endpoint("offices:prep_sign_off", allow=NOBODY, method="POST", kwargs=_pk("prep_b")),
    Endpoint(
        "offices:prep_sign_off",
        label="own",
        allow=frozenset({"office_director"}),
        method="POST",
        kwargs=_pk("own_prep"),
    ),
    Endpoint("offices:prep_diff", allow=PROVINCE_ADMINS, kwargs=_pk("prep_b"), query=lambda w: {"a": 1, "b": 2}),
    Endpoint("offices:prep_handout", allow=PROVINCE_ADMINS, kwargs=_pk("prep_signed_b")),
    Endpoint(
        "offices:prep_handout",
        label="pdf",
        allow=PROVINCE_ADMINS,
        kwargs=_pk("prep_signed_b"),
        query=lambda w: {"format": "pdf"},
    ),
    Endpoint("offices:prep_handout_submit", allow=frozenset({"org_admin"}), method="POST", kwargs=_pk("prep_signed_b")),
    Endpoint(
        "offices:proposal_decide", allow=NOBODY, method="POST", kwargs=_pk("proposal_b"), data=lambda w: {"accept": "1"}
    ),
    Endpoint("offices:topic_create", allow=ORG, kwargs=_pk("office_b")),
    Endpoint("offices:topic_create", label="own", allow=ORG | {"office_director"}, kwargs=_pk("office_zh")),
    Endpoint("offices:topic_detail", allow=PROVINCE_ADMINS, kwargs=_pk("topic_b")),
    Endpoint(
        "offices:topic_action",
        allow=ORG,
        method="POST",
        kwargs=lambda w: {"pk": w.topic_b.pk, "action": "milestone"},
        data=lambda w: {"title": "节点", "due_on": "2026-06-30"},
    ),
    Endpoint("offices:topic_edit", allow=ORG, kwargs=_pk("topic_b")),
    Endpoint("offices:milestone_edit", allow=ORG, kwargs=_pk("milestone_b")),
    Endpoint("offices:milestone_remove", allow=ORG, method="POST", kwargs=_pk("milestone_b")),
    Endpoint("offices:textbook_create", allow=ORG, kwargs=_pk("office_b")),
    Endpoint("offices:textbook_edit", allow=ORG, kwargs=_pk("textbook_b")),
    Endpoint("offices:chapter_edit", allow=ORG, kwargs=_pk("chapter_b")),
    Endpoint("offices:chapter_remove", allow=ORG, method="POST", kwargs=_pk("chapter_b")),
    Endpoint("offices:textbook_detail", allow=PROVINCE_ADMINS, kwargs=_pk("textbook_b")),
    Endpoint(
        "offices:textbook_action",
        allow=ORG,
        method="POST",
        kwargs=lambda w: {"pk": w.textbook_b.pk, "action": "chapter"},
        data=lambda w: {"order": "9", "title": "第九章", "assignee": w.member_b.cadre_id},
    ),
]

# Everyone who is neither a province-wide role nor in office XF.
OUTSIDE_B = frozenset(
    {
        "office_director",
        "office_member",
        "teacher",
        "trainee_a1",
        "city_a_admin",
        "county_a1_admin",
        "venue_operator_a1",
        "audit_admin",
    }
)

ENDPOINTS += [
    Endpoint(
        "lessonprep-list",
        allow=AUTHENTICATED,
        hidden=lambda w: ["乙室备课稿", "乙室定稿"],
        hidden_from=frozenset(
            {
                "office_director",
                "office_member",
                "teacher",
                "trainee_a1",
                "city_a_admin",
                "county_a1_admin",
                "venue_operator_a1",
                "audit_admin",
            }
        ),
    ),
    Endpoint("researchtopic-list", allow=AUTHENTICATED, hidden=lambda w: ["乙室课题"], hidden_from=OUTSIDE_B),
    Endpoint("researchtopic-detail", allow=PROVINCE_ADMINS, kwargs=_pk("topic_b")),
    Endpoint("textbook-list", allow=AUTHENTICATED, hidden=lambda w: ["乙室教材"], hidden_from=OUTSIDE_B),
    Endpoint("textbook-detail", allow=PROVINCE_ADMINS, kwargs=_pk("textbook_b")),
    Endpoint("lessonprep-detail", allow=PROVINCE_ADMINS, kwargs=_pk("prep_b")),
    Endpoint("lessonprep-detail", label="own", allow=PROVINCE_ADMINS | ZH, kwargs=_pk("own_prep")),
]
