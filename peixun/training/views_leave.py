"""The leave page: a trainee asks for leave for a lecture and follows its status; the unit admin (or the
organisation department) approves or rejects the requests of the cadres in their scope. An approved
request marks the lecture 请假 (excused) in attendance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from peixun.training import selectors
from peixun.training.constants import ERR_NOT_ENROLLED_IN
from peixun.training.forms import LeaveForm
from peixun.training.models import EnrolmentStatus, LeaveStatus
from peixun.training.permissions import may_decide_leave
from peixun.training.services_edit import leave_request_review, leave_request_submit
from peixun.training.views import _require, explain
from peixun.training.views_edit import add_service_errors, done, is_htmx


@login_required
def leave_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    decides = may_decide_leave(actor)  # type: ignore[arg-type]
    _require(actor.cadre_id is not None or decides)  # type: ignore[union-attr]
    lectures = selectors.lectures_open_for_leave(actor=actor)  # type: ignore[arg-type]
    form = LeaveForm(request.POST or None, lectures=lectures, initial={"lecture": request.GET.get("lecture")})
    if request.method == "POST" and form.is_valid():
        lecture = form.cleaned_data["lecture"]
        enrolment = (
            selectors.enrolments_visible(actor=actor)  # type: ignore[arg-type]
            .filter(
                training_class_id=lecture.training_class_id, cadre_id=actor.cadre_id, status=EnrolmentStatus.ENROLLED
            )
            .first()
        )
        if enrolment is None:
            form.add_error("lecture", ERR_NOT_ENROLLED_IN)
        else:
            try:
                leave_request_submit(
                    actor=actor,  # type: ignore[arg-type]
                    enrolment=enrolment,
                    lecture=lecture,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return done(request, reverse("training:leave"), f"已提交课次“{lecture.topic}”的请假申请，等待审批")
    context = {
        "form": form,
        "action": reverse("training:leave"),
        "title": "申请请假",
        "submit": "提交请假申请",
    }
    if is_htmx(request):
        return render(request, "training/_edit_form.html", context)
    status = request.GET.get("status", LeaveStatus.PENDING)
    if status not in LeaveStatus.values and status != "all":
        status = LeaveStatus.PENDING
    to_decide = selectors.leave_requests_to_decide(actor=actor, status="" if status == "all" else status)  # type: ignore[arg-type]
    context.update(
        {
            "mine": selectors.leave_requests_mine(actor=actor),  # type: ignore[arg-type]
            "has_cadre": actor.cadre_id is not None,  # type: ignore[union-attr]
            "decides": decides,
            "page": Paginator(to_decide, 50).get_page(request.GET.get("page")) if decides else None,
            "status": status,
            "statuses": LeaveStatus.choices,
        }
    )
    return render(request, "training/leave.html", context)


@login_required
@require_POST
def leave_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    _require(may_decide_leave(actor))  # type: ignore[arg-type]
    leave = selectors.leave_request_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    decision = request.POST.get("decision", "")
    _require(decision in ("approve", "reject"))
    try:
        leave_request_review(actor=actor, leave=leave, approve=decision == "approve")  # type: ignore[arg-type]
    except ValidationError as error:
        explain(request, error)
        return redirect("training:leave")
    name = leave.enrolment.cadre.name
    return done(request, reverse("training:leave"), f"已{'批准' if decision == 'approve' else '驳回'}{name}的请假申请")
