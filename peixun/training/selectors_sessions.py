"""Reads behind the JSON API of running classes (api_sessions.py), cut to the actor.

The allocation as rosters: per venue, the trainees seated there with the explanation of every placement away
from home, and the trainees at their desks or left unseated. Cut like the allocation map (allocation_map.py):
the trainees are those of `selectors.enrolments_visible`, and a venue's total and fill rate are given only for
venues of `selectors.venues_visible`; a venue outside the actor's scope shows the actor's own trainees there,
without its total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from peixun.accounts.models import User
from peixun.training import selectors
from peixun.training.models import Certificate, Enrolment, EnrolmentStatus, TrainingClass, Venue


@dataclass
class VenueRoster:
    venue: Venue
    capacity: int
    n: int | None  # None: the venue is outside the actor's scope, its total is not shown
    pct: int | None
    trainees: list[Enrolment] = field(default_factory=list)


@dataclass
class Rosters:
    venues: list[VenueRoster] = field(default_factory=list)
    at_desk: list[Enrolment] = field(default_factory=list)
    unseated: list[Enrolment] = field(default_factory=list)
    pending: int = 0  # enrolled but not allocated yet


def allocation_rosters(*, actor: User, training_class: TrainingClass, venue_id: int | None = None) -> Rosters:
    """The class's enrolled trainees the actor may see, grouped by where they watch (one venue when
    venue_id is given). Venues in the tree's order, trainees by unit and employee number."""
    enrolments = (
        selectors.enrolments_visible(actor=actor)
        .filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
        .select_related("cadre__unit", "venue__unit")
        .order_by("cadre__unit__path", "cadre__employee_number", "id")
    )
    if venue_id is not None:
        enrolments = enrolments.filter(venue_id=venue_id)
    result = Rosters()
    by_venue: dict[int, VenueRoster] = {}
    for e in enrolments:
        if e.venue is not None:
            roster = by_venue.get(e.venue.pk)
            if roster is None:
                roster = by_venue[e.venue.pk] = VenueRoster(e.venue, e.venue.capacity, None, None)
            roster.trainees.append(e)
        elif e.at_desk:
            result.at_desk.append(e)
        elif e.unseated:
            result.unseated.append(e)
        else:
            result.pending += 1
    in_scope = set(selectors.venues_visible(actor=actor).filter(pk__in=list(by_venue)).values_list("pk", flat=True))
    totals = dict(
        training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED, venue_id__in=in_scope)
        .order_by()
        .values_list("venue_id")
        .annotate(n=Count("id"))
    )
    for roster in by_venue.values():
        if roster.venue.pk in in_scope:
            roster.n = totals.get(roster.venue.pk, 0)
            roster.pct = round(100 * roster.n / roster.capacity) if roster.capacity else 0
    result.venues = sorted(by_venue.values(), key=lambda r: (not r.venue.is_main, r.venue.unit.path, r.venue.pk))
    return result


def certificates_mine(*, actor: User) -> QuerySet[Certificate]:
    """The caller's own certificates (none for an account without a cadre), newest first."""
    if not (actor.is_authenticated and actor.is_active) or actor.cadre_id is None:
        return Certificate.objects.none()
    return (
        Certificate.objects.filter(enrolment__cadre_id=actor.cadre_id)
        .select_related("enrolment__training_class")
        .order_by("-issued_at", "-id")
    )
