"""The allocation solver (optimal, within capacity) and the allocation service (homes, hosts, pins)."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from peixun.org.tests.factories import CadreFactory
from peixun.training import services_allocation as sa
from peixun.training.allocation import UNSEATED, GroupSpec, VenueSpec, cost_matrix, greedy, solve
from peixun.training.models import Enrolment, Notification
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, enrol


@st.composite
def instances(draw):
    n_cities = draw(st.integers(1, 3))
    venues = []
    for vid in range(1, draw(st.integers(1, 6)) + 1):
        venues.append(
            VenueSpec(
                vid,
                draw(st.integers(0, 6)),
                draw(st.integers(0, n_cities - 1)),
                draw(st.floats(35, 38)),
                draw(st.floats(115, 122)),
            )
        )
    groups = []
    for key in range(draw(st.integers(1, 6))):
        home = draw(st.sampled_from([None] + [v.id for v in venues]))
        city = next((v.city for v in venues if v.id == home), draw(st.integers(0, n_cities - 1)))
        groups.append(
            GroupSpec(key, draw(st.integers(0, 7)), home, city, draw(st.floats(35, 38)), draw(st.floats(115, 122)))
        )
    return groups, venues


def assignment_optimum(groups, venues) -> float:
    """Independent formulation: every trainee a row, every seat a column (plus one unseated column per
    trainee), solved as a linear assignment problem."""
    groups = [g for g in groups if g.size > 0]
    cost = cost_matrix(groups, venues)
    rows = [i for i, g in enumerate(groups) for _ in range(g.size)]
    if not rows:
        return 0.0
    seat_cols = [j for j, v in enumerate(venues) for _ in range(v.capacity)]
    matrix = np.empty((len(rows), len(seat_cols) + len(rows)))
    for r, i in enumerate(rows):
        matrix[r, : len(seat_cols)] = cost[i, seat_cols] if seat_cols else []
        matrix[r, len(seat_cols) :] = UNSEATED
    r_idx, c_idx = linear_sum_assignment(matrix)
    return float(matrix[r_idx, c_idx].sum())


@settings(max_examples=150, deadline=None)
@given(instances())
def test_the_solver_is_optimal_and_never_exceeds_capacity(instance):
    groups, venues = instance
    solution = solve(groups, venues)
    load = {v.id: 0 for v in venues}
    for g in groups:
        flows = solution.flows.get(g.key, [])
        assert sum(n for _, n in flows) == g.size  # nobody dropped: placed or reported unseated
        for venue_id, n in flows:
            if venue_id is not None:
                load[venue_id] += n
    assert all(load[v.id] <= v.capacity for v in venues)
    assert solution.cost == pytest.approx(assignment_optimum(groups, venues), abs=1e-6)
    assert solution.cost <= greedy(groups, venues).cost + 1e-6
    free = sum(v.capacity for v in venues) - sum(load.values())
    assert solution.unseated == 0 or free == 0


def test_overflow_prefers_the_same_city():
    venues = [VenueSpec(1, 1, 0, 36.0, 117.0), VenueSpec(2, 5, 0, 36.5, 117.5), VenueSpec(3, 5, 1, 36.01, 117.01)]
    solution = solve([GroupSpec("g", 3, 1, 0, 36.0, 117.0)], venues)
    assert solution.flows["g"] == [(1, 1), (2, 2)]


def test_homes_first_overflow_in_the_same_city_and_host_city_for_no_intranet(world, tree, org_admin):
    cls, v = world
    a1 = enrol(cls, tree.county_a1, 4)  # home capacity 2 (50 % of 4 seats)
    ent = enrol(cls, tree.enterprise, 2)  # no intranet, hosted by city A (3 seats)
    summary = sa.allocation_run(actor=org_admin, training_class=cls)
    for e in a1 + ent:
        e.refresh_from_db()
    # Optimum: the enterprise at its host city (cost 0); A1's overflow to city A's nearest rooms, never B1.
    assert [e.venue_id for e in ent] == [v["a"].pk] * 2
    assert all(e.placement_note == sa.NOTE_HOST for e in ent)
    assert sorted(e.venue_id for e in a1) == sorted([v["a1"].pk] * 2 + [v["a"].pk, v["a2"].pk])
    moved = [e for e in a1 if e.venue_id != v["a1"].pk]
    assert all(e.placement_note.startswith(f"{v['a1'].name}已满（允许上座2人），调剂至同市") for e in moved)
    assert summary["unseated"] == 0 and summary["seated"] == 6
    assert Notification.objects.filter(kind="venue_assigned").count() == 6


def test_the_host_city_seats_its_no_intranet_units_first(world, tree, org_admin):
    cls, v = world
    ent = enrol(cls, tree.enterprise, 3)
    sa.allocation_run(actor=org_admin, training_class=cls)
    assert {e.venue_id for e in Enrolment.objects.filter(pk__in=[e.pk for e in ent])} == {v["a"].pk}


def test_whoever_cannot_be_seated_is_reported_not_dropped(world, tree, org_admin):
    cls, _venues = world
    enrol(cls, tree.county_b1, 40)  # 2 + 10 + 3 + 20 = 35 seats in the province
    summary = sa.allocation_run(actor=org_admin, training_class=cls)
    assert summary["unseated"] == 5 and summary["seated"] == 35
    unseated = Enrolment.objects.filter(unseated=True)
    assert unseated.count() == 5 and all(e.placement_note == sa.NOTE_UNSEATED for e in unseated)


def test_pins_are_kept_when_it_is_rerun(world, tree, org_admin):
    cls, v = world
    people = enrol(cls, tree.county_a1, 2)
    sa.allocation_run(actor=org_admin, training_class=cls)
    sa.placement_set(actor=org_admin, enrolment=people[0], venue=v["b1"])
    enrol(cls, tree.county_a1, 3)
    sa.allocation_run(actor=org_admin, training_class=cls)
    people[0].refresh_from_db()
    assert (people[0].venue_id, people[0].pinned, people[0].placement_note) == (v["b1"].pk, True, sa.NOTE_PINNED)
    at_a1 = Enrolment.objects.filter(venue=v["a1"]).count()
    assert at_a1 == 2


def test_a_hand_move_cannot_overfill_a_venue(world, tree, org_admin, county_a1_admin):
    cls, v = world
    people = enrol(cls, tree.county_a1, 3)
    sa.allocation_run(actor=org_admin, training_class=cls)
    outsider = next(e for e in Enrolment.objects.filter(pk__in=[p.pk for p in people]) if e.venue_id != v["a1"].pk)
    with pytest.raises(ValidationError) as err:
        sa.placement_set(actor=org_admin, enrolment=outsider, venue=v["a1"])
    assert err.value.message_dict["venue"] == [sa.ERR_VENUE_FULL.format(venue=v["a1"].name, cap=2)]
    with pytest.raises(PermissionDenied):
        sa.placement_set(actor=county_a1_admin, enrolment=outsider, venue=v["a2"])
    with pytest.raises(ValidationError):
        sa.placement_set(actor=org_admin, enrolment=outsider, venue=None, at_desk=True)  # class forbids desks


def test_seats_used_by_an_overlapping_class_are_not_offered(world, tree, org_admin):
    cls, v = world
    other = ClassFactory()
    LectureFactory(training_class=other, starts_at=cls.lectures.get().starts_at)
    for _ in range(2):
        EnrolmentFactory(training_class=other, cadre=CadreFactory(unit=tree.county_a1), venue=v["a1"])
    people = enrol(cls, tree.county_a1, 1)
    sa.allocation_run(actor=org_admin, training_class=cls)
    people[0].refresh_from_db()
    assert people[0].venue_id != v["a1"].pk


def test_desk_viewing_where_the_class_allows_it(world, tree, org_admin):
    cls, _venues = world
    cls.allow_desk = True
    cls.save()
    person = enrol(cls, tree.county_a1, 1)[0]
    sa.placement_set(actor=org_admin, enrolment=person, venue=None, at_desk=True)
    sa.allocation_run(actor=org_admin, training_class=cls)
    person.refresh_from_db()
    assert (person.venue_id, person.at_desk, person.placement_note) == (None, True, sa.NOTE_DESK)
