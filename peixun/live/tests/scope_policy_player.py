"""Scope policy entries of the watching side (player, replay, venue mode, heartbeats, monitor, settings).

Two live lectures of classes run by the ZH office: the "foreign" one, whose only trainee sits in county
B1 (watched there at the B1 venue), and the "own" one, with a trainee of county A1 at the A1 venue. Who may
watch is training's lecture_may_attend: the organisation department, the lecture's teacher, the office's
members, enrolled trainees, operators of the class's venues and unit admins with trainees in the class.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from peixun.core.tests.scope import AUTHENTICATED, LOCAL_ROLES, Endpoint

FOREIGN_WATCHERS = frozenset({"org_admin", "teacher", "office_director", "office_member"})
OWN_WATCHERS = FOREIGN_WATCHERS | {"city_a_admin", "county_a1_admin", "venue_operator_a1", "trainee_a1"}
ORGANISERS = frozenset({"org_admin", "office_director"})
MONITORS = frozenset({"org_admin", "city_a_admin", "county_a1_admin"})
B1_NAME = "乙一县纪委监委"


def build(world) -> None:
    from peixun.live.models import WatchRecord
    from peixun.live.tests.watch_data import enrol, live_settings, make_lecture, make_stream, make_venue
    from peixun.offices.models import ResearchOffice

    office = ResearchOffice.objects.get(code="ZH")
    teacher = world.users["teacher"]
    foreign = make_lecture(office=office, title="乙市直播班", teacher=teacher)
    own = make_lecture(office=office, title="甲市直播班", teacher=teacher)
    b1_venue = make_venue(world.tree.county_b1)
    a1_venue = make_venue(world.tree.county_a1)
    enrol(world.foreign_user, foreign, b1_venue)
    enrol(world.foreign_user, own, b1_venue)
    enrol(world.users["trainee_a1"], own, a1_venue)
    make_stream(foreign)
    make_stream(own)
    live_settings(foreign, attention_check=True)
    # Far in the future, so that they still count as "watching now" whenever the matrix reaches the monitor.
    later = timezone.now() + dt.timedelta(days=1)
    for lecture in (foreign, own):
        WatchRecord.objects.create(
            lecture=lecture, user=world.foreign_user, venue=b1_venue, unit=world.tree.county_b1, last_seen_at=later
        )
    # Those who may watch the foreign lecture have watched it, with the attention prompt overdue, so that an
    # answer is accepted. (Heartbeats trust an existing record: it is only created after the full check.)
    due = timezone.now() - dt.timedelta(minutes=1)
    for role in FOREIGN_WATCHERS:
        WatchRecord.objects.create(lecture=foreign, user=world.users[role], last_seen_at=due, attention_due_at=due)
    world.extra.update(live_foreign=foreign, live_own=own, live_b1_venue=b1_venue, live_a1_venue=a1_venue)


def foreign_kw(w):
    return {"pk": w.live_foreign.pk}


def own_kw(w):
    return {"pk": w.live_own.pk}


ENDPOINTS = [
    Endpoint(
        "live:player_list",
        allow=AUTHENTICATED,
        hidden=lambda w: [w.live_foreign.topic, w.live_b1_venue.name],
        hidden_from=LOCAL_ROLES - FOREIGN_WATCHERS,
    ),
    Endpoint("live:player", allow=FOREIGN_WATCHERS, kwargs=foreign_kw, label="foreign"),
    Endpoint("live:player", allow=OWN_WATCHERS, kwargs=own_kw, label="own"),
    Endpoint("live:replay", allow=FOREIGN_WATCHERS, kwargs=foreign_kw, label="foreign"),
    Endpoint("live:replay", allow=OWN_WATCHERS, kwargs=own_kw, label="own"),
    Endpoint("live:watch_status", allow=FOREIGN_WATCHERS, kwargs=foreign_kw, label="foreign"),
    Endpoint("live:watch_status", allow=OWN_WATCHERS, kwargs=own_kw, label="own"),
    Endpoint("live:heartbeat", method="POST", allow=FOREIGN_WATCHERS, kwargs=foreign_kw, label="foreign"),
    Endpoint("live:heartbeat", method="POST", allow=OWN_WATCHERS, kwargs=own_kw, label="own"),
    Endpoint(
        "live:heartbeat",
        method="POST",
        allow=frozenset({"org_admin"}),
        kwargs=foreign_kw,
        data=lambda w: {"venue": w.live_b1_venue.pk},
        label="foreign-venue",
    ),
    Endpoint(
        "live:heartbeat",
        method="POST",
        allow=frozenset({"org_admin", "venue_operator_a1"}),
        kwargs=own_kw,
        data=lambda w: {"venue": w.live_a1_venue.pk},
        label="own-venue",
    ),
    Endpoint("live:attention", method="POST", allow=FOREIGN_WATCHERS, kwargs=foreign_kw),
    Endpoint(
        "live:venue",
        allow=frozenset({"org_admin"}),
        kwargs=lambda w: {"pk": w.live_foreign.pk, "venue_pk": w.live_b1_venue.pk},
        label="foreign",
    ),
    Endpoint(
        "live:venue",
        allow=frozenset({"org_admin", "venue_operator_a1"}),
        kwargs=lambda w: {"pk": w.live_own.pk, "venue_pk": w.live_a1_venue.pk},
        label="own",
    ),
    Endpoint(
        "live:venue_headcount",
        method="POST",
        allow=frozenset({"org_admin"}),
        kwargs=lambda w: {"pk": w.live_foreign.pk, "venue_pk": w.live_b1_venue.pk},
        data=lambda w: {"headcount": "12"},
        label="foreign",
    ),
    Endpoint(
        "live:venue_headcount",
        method="POST",
        allow=frozenset({"org_admin", "venue_operator_a1"}),
        kwargs=lambda w: {"pk": w.live_own.pk, "venue_pk": w.live_a1_venue.pk},
        data=lambda w: {"headcount": "12"},
        label="own",
    ),
    Endpoint("live:monitor", allow=MONITORS, hidden=lambda w: [B1_NAME]),
    Endpoint("live:monitor_panel", allow=MONITORS, hidden=lambda w: [B1_NAME]),
    Endpoint("live:class_settings", allow=ORGANISERS, kwargs=lambda w: {"pk": w.live_foreign.training_class_id}),
    Endpoint(
        "live:class_settings",
        method="POST",
        allow=ORGANISERS,
        kwargs=lambda w: {"pk": w.live_foreign.training_class_id},
        data=lambda w: {"replay_counts_hours": "on", "attention_interval_minutes": "15"},
        label="save",
    ),
]
