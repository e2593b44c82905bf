"""Pages of the offices: list, workspace with dashboard, collective lesson preparation.

Thin: parse, call a selector or a service, render. Membership is in views_members.py, topics and textbooks in
views_work.py and views_edit.py.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from peixun.accounts.roles import Role
from peixun.core.http import actor_of, flash_errors
from peixun.offices import selectors
from peixun.offices import services_prep as prep_services
from peixun.offices.models_prep import PrepComment, PrepStatus
from peixun.offices.services_handout import handout_pdf, prep_handout_submit
from peixun.offices.services_richtext import diff_sections, sanitise
from peixun.org.models import Cadre
from peixun.training.selectors import lectures_visible


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


# --- Offices -----------------------------------------------------------------------------------------------


@login_required
def office_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    offices = selectors.offices_all(actor=actor)
    viewable = {o.pk for o in offices if selectors.may_view_office(actor, o.pk)}
    return render(request, "offices/office_list.html", {"offices": offices, "viewable": viewable})


@login_required
def office_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    return render(request, "offices/office_detail.html", {
        "office": office, "board": selectors.office_dashboard(office),
        "members": selectors.office_members(office),
        "preps": selectors.preps_visible(actor=actor).filter(office=office)[:50],
        "topics": selectors.topics_visible(actor=actor).filter(office=office)[:50],
        "textbooks": selectors.textbooks_visible(actor=actor).filter(office=office)[:50],
        "is_member": selectors.is_member(actor, office.pk),
        "may_manage": selectors.may_manage_office(actor, office.pk),
        "is_org": actor.has_role(Role.ORG_ADMIN),
        "may_manage_members": selectors.may_manage_members(actor, office.pk),
    })  # fmt: skip


# --- Collective lesson preparation --------------------------------------------------------------------------


def _posted_sections(request: HttpRequest) -> list[dict[str, str]]:
    titles, bodies = request.POST.getlist("section_title"), request.POST.getlist("section_html")
    # Sanitised here too: a refused draft is shown again in the editor.
    return [{"title": t, "html": sanitise(b)} for t, b in zip(titles, bodies, strict=False)]


@login_required
def prep_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    office = selectors.office_get(actor=actor, pk=pk)
    if not selectors.is_member(actor, office.pk):
        raise PermissionDenied(prep_services.ERR_NOT_MEMBER)
    lectures = lectures_visible(actor=actor).filter(training_class__office=office).order_by("-starts_at")[:100]
    sections = [{"title": "一、", "html": ""}]
    if request.method == "POST":
        sections = _posted_sections(request)
        lecture_id = request.POST.get("lecture", "")
        lecture = lectures_visible(actor=actor).filter(pk=lecture_id).first() if lecture_id.isdigit() else None
        try:
            prep = prep_services.prep_create(
                actor=actor, office=office, title=request.POST.get("title", ""), sections=sections, lecture=lecture
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, "备课稿已创建（第1版）")
            return redirect("offices:prep_detail", pk=prep.pk)
    return render(request, "offices/prep_edit.html", {
        "office": office, "sections": sections, "lectures": lectures, "title": request.POST.get("title", ""),
    })  # fmt: skip


@login_required
def prep_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    if prep.author_id != actor.pk or not selectors.is_member(actor, prep.office_id):
        raise PermissionDenied(prep_services.ERR_NOT_AUTHOR)
    if prep.status != PrepStatus.DRAFTING:
        messages.error(request, prep_services.ERR_SIGNED)
        return redirect("offices:prep_detail", pk=prep.pk)
    latest = selectors.prep_latest(prep)
    sections = latest.sections if latest else []
    if request.method == "POST":
        sections = _posted_sections(request)
        try:
            version = prep_services.prep_revise(
                actor=actor, prep=prep, sections=sections, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, f"已保存为第{version.number}版")
            return redirect("offices:prep_detail", pk=prep.pk)
    return render(request, "offices/prep_edit.html", {"office": prep.office, "prep": prep, "sections": sections})


@login_required
def prep_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    latest = selectors.prep_latest(prep)
    threads = selectors.prep_threads(prep)
    sections = [
        {"index": i, "title": s["title"], "html": s["html"], "threads": threads.get(i, [])}
        for i, s in enumerate(latest.sections if latest else [])
    ]
    versions = list(prep.versions.select_related("author").order_by("number"))
    drafting = prep.status == PrepStatus.DRAFTING
    member = selectors.is_member(actor, prep.office_id)
    return render(request, "offices/prep_detail.html", {
        "prep": prep, "latest": latest, "sections": sections, "versions": versions,
        "meetings": prep.meetings.prefetch_related("attendees").select_related("recorded_by"),
        "members": selectors.office_members(prep.office),
        "may_comment": drafting and member, "is_author": drafting and member and prep.author_id == actor.pk,
        "may_meet": drafting and member
        and (prep.author_id == actor.pk or selectors.is_director(actor, prep.office_id)),
        "may_sign": drafting and selectors.is_director(actor, prep.office_id),
    })  # fmt: skip


@login_required
@require_POST
def prep_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    section = request.POST.get("section", "")
    parent_id = request.POST.get("parent", "")
    parent = PrepComment.objects.filter(prep=prep, pk=parent_id).first() if parent_id.isdigit() else None
    try:
        prep_services.comment_add(
            actor=actor, prep=prep, section=int(section) if section.isdigit() else -1,
            body=request.POST.get("body", ""), parent=parent, proposed_html=request.POST.get("proposed_html", ""),
        )  # fmt: skip
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "意见已发表")
    return redirect(
        reverse("offices:prep_detail", kwargs={"pk": prep.pk}) + (f"#s{section}" if section.isdigit() else "")
    )


@login_required
@require_POST
def proposal_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    proposal = get_object_or_404(PrepComment, pk=pk)
    prep = selectors.prep_get(actor=actor, pk=proposal.prep_id)  # 404 unless the prep is visible
    try:
        version = prep_services.proposal_decide(
            actor=actor, proposal=proposal, accept=request.POST.get("accept") == "1"
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, f"已采纳，生成第{version.number}版" if version else "已标记为未采纳")
    return redirect("offices:prep_detail", pk=prep.pk)


@login_required
@require_POST
def prep_meeting_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    ids = [int(i) for i in request.POST.getlist("attendees") if i.isdigit()]
    try:
        prep_services.meeting_record(
            actor=actor, prep=prep, held_on=parse_date(request.POST.get("held_on", "")),
            attendees=Cadre.objects.filter(pk__in=ids), conclusions=request.POST.get("conclusions", ""),
        )  # fmt: skip
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "备课会记录已保存")
    return redirect("offices:prep_detail", pk=prep.pk)


@login_required
@require_POST
def prep_sign_off_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    number = request.POST.get("version", "")
    try:
        prep = prep_services.prep_sign_off(actor=actor, prep=prep, number=int(number) if number.isdigit() else None)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, f"已定稿（第{prep.signed_version.number}版）")  # type: ignore[union-attr]
    return redirect("offices:prep_detail", pk=prep.pk)


@login_required
def prep_diff_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    numbers = list(prep.versions.order_by("number").values_list("number", flat=True))
    a_raw, b_raw = request.GET.get("a", ""), request.GET.get("b", "")
    b = int(b_raw) if b_raw.isdigit() else (numbers[-1] if numbers else 0)
    a = int(a_raw) if a_raw.isdigit() else max(1, b - 1)
    old, new = selectors.prep_version(prep, a), selectors.prep_version(prep, b)
    return render(request, "offices/prep_diff.html", {
        "prep": prep, "old": old, "new": new, "numbers": numbers, "diff": diff_sections(old.sections, new.sections),
    })  # fmt: skip


@login_required
def prep_handout_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed-off version as the lecture's handout (讲义): HTML, or PDF with ?format=pdf."""
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    if prep.signed_version is None:
        raise Http404
    if request.GET.get("format") == "pdf":
        response = HttpResponse(handout_pdf(prep), content_type="application/pdf")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''handout-{prep.pk}.pdf"
        return response
    return render(request, "offices/prep_handout.html", {"prep": prep, "version": prep.signed_version})


@login_required
@require_POST
def prep_handout_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the signed-off version to the lecture's handouts, for publication in the library."""
    actor = actor_of(request)
    prep = selectors.prep_get(actor=actor, pk=pk)
    try:
        prep_handout_submit(actor=actor, prep=prep)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, "定稿已提交为本课次讲义，可在资源库整理发布")
    return redirect("offices:prep_detail", pk=prep.pk)
