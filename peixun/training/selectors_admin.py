"""Reads of training administration: the quota table of a class with what each unit has used (the quota
page and peixun.training.api_admin), and the leave requests an actor sees, filtered as the API asks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet

from peixun.accounts.models import User
from peixun.training.models import EnrolmentStatus, LeaveRequest, TrainingClass
from peixun.training.selectors import leave_requests_mine, leave_requests_to_decide, leave_requests_visible

LEAVE_SCOPES = ("all", "mine", "to_decide")


def quota_usage(*, training_class: TrainingClass) -> list[dict[str, Any]]:
    """Each quota with the trainees its unit (and the units below it) has enrolled, in two queries; the
    caller has already checked that the actor manages the class."""
    counts = (
        training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED)
        .order_by()
        .values_list("cadre__unit__path")
        .annotate(n=Count("id"))
    )
    by_path: dict[str, int] = defaultdict(int)
    for path, n in counts:
        by_path[path] += n
    rows = []
    for quota in training_class.quotas.select_related("unit").order_by("unit__path"):
        taken = sum(n for path, n in by_path.items() if path.startswith(quota.unit.path))
        rows.append(
            {
                "unit": quota.unit_id,
                "unit_name": quota.unit.name,
                "seats": quota.seats,
                "taken": taken,
                "left": max(quota.seats - taken, 0),
            }
        )
    return rows


def leave_requests_for(*, actor: User, scope: str = "all", status: str = "") -> QuerySet[LeaveRequest]:
    """`mine`: the actor's own requests; `to_decide`: other cadres' requests the actor decides on; `all`:
    both (everything the actor may see)."""
    if scope == "mine":
        qs = leave_requests_mine(actor=actor)
    elif scope == "to_decide":
        return leave_requests_to_decide(actor=actor, status=status)
    else:
        qs = leave_requests_visible(actor=actor)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")
