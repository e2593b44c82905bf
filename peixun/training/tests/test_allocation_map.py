"""The allocation map: flows from units to venues with seat counts, each venue's fill rate, the accessible
table beside the chart, ECharts from static/vendor, and scope (a city admin sees only their city's flows)."""

from __future__ import annotations

import json
import re

from django.urls import reverse

from peixun.org.tests.factories import cadre_user
from peixun.training.allocation_map import BY_CITY, BY_UNIT, DESK, UNSEATED, allocation_map
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, VenueFactory


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def chart_of(response) -> dict:  # type: ignore[no-untyped-def]
    match = re.search(r'<script id="allocation-map-data" type="application/json">(.*?)</script>', text(response), re.S)
    assert match, "the page carries the chart's data"
    return json.loads(match.group(1))


def allocated_class(tree):  # type: ignore[no-untyped-def]
    """A1: 3 at home, 1 moved to A2's venue; A2: 2 at home; B1: 2 at home; one at a desk, one unseated."""
    cls = ClassFactory(title="分配地图测试班")
    a1 = VenueFactory(unit=tree.county_a1, name="甲一县分会场", seats=4)
    a2 = VenueFactory(unit=tree.county_a2, name="甲二县分会场", seats=5, allowed_occupancy=80)
    b1 = VenueFactory(unit=tree.county_b1, name="乙一县分会场", seats=10)

    def enrol(unit, n, **kw):  # type: ignore[no-untyped-def]
        for _ in range(n):
            EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=unit).cadre, **kw)

    enrol(tree.county_a1, 3, venue=a1)
    enrol(tree.county_a1, 1, venue=a2, placement_note="甲一县分会场已满，调剂至甲二县分会场")
    enrol(tree.county_a2, 2, venue=a2)
    enrol(tree.county_b1, 2, venue=b1)
    enrol(tree.county_a1, 1, at_desk=True, placement_note="在本人工位（内网）收看")
    enrol(tree.county_b1, 1, unseated=True, placement_note="所有分会场均已满员")
    return cls, (a1, a2, b1)


def test_the_map_counts_each_units_trainees_at_each_venue_with_fill_rates(tree, org_admin):
    cls, (a1, a2, b1) = allocated_class(tree)
    result = allocation_map(actor=org_admin, training_class=cls, by=BY_UNIT)
    flows = {(f.source, f.target): (f.n, f.moved) for f in result.flows}
    assert flows == {
        ("甲一县纪委监委", "甲一县分会场"): (3, 0),
        ("甲一县纪委监委", "甲二县分会场"): (1, 1),
        ("甲二县纪委监委", "甲二县分会场"): (2, 0),
        ("乙一县纪委监委", "乙一县分会场"): (2, 0),
        ("甲一县纪委监委", DESK): (1, 1),
        ("乙一县纪委监委", UNSEATED): (1, 1),
    }
    fills = {v.venue.pk: (v.n, v.cap, v.pct) for v in result.venues}
    # A2: 3 placed, 5 seats at 80 % = 4 allowed, 75 %.
    assert fills == {a1.pk: (3, 4, 75), a2.pk: (3, 4, 75), b1.pk: (2, 10, 20)}
    assert (result.desk, result.unseated, result.total) == (1, 1, 10)


def test_by_city_the_flows_start_at_the_city_commissions(tree, org_admin):
    cls, _ = allocated_class(tree)
    result = allocation_map(actor=org_admin, training_class=cls, by=BY_CITY)
    flows = {(f.source, f.target): f.n for f in result.flows}
    assert flows[("甲市纪委监委", "甲二县分会场")] == 3
    assert flows[("甲市纪委监委", "甲一县分会场")] == 3
    assert flows[("乙市纪委监委", "乙一县分会场")] == 2


def test_a_city_admin_sees_only_their_citys_flows_and_venues(tree, city_a_admin, client_of):
    cls, _ = allocated_class(tree)
    response = client_of(city_a_admin).get(reverse("training:allocation_map", args=[cls.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "甲一县分会场" in page and "甲二县分会场" in page
    assert "乙一县" not in page and UNSEATED not in [n["name"] for n in chart_of(response)["nodes"]]
    links = {(link["source"], link["target"]): link["value"] for link in chart_of(response)["links"]}
    assert links[("甲一县纪委监委", "甲二县分会场")] == 1 and sum(links.values()) == 7


def test_a_county_admin_sees_other_counties_venue_only_as_the_target_of_their_own_trainees(
    tree, county_a1_admin, client_of
):
    cls, (a1, a2, _) = allocated_class(tree)
    result = allocation_map(actor=county_a1_admin, training_class=cls, by=BY_UNIT)
    assert {f.source for f in result.flows} == {"甲一县纪委监委"}
    fills = {v.venue.pk: v for v in result.venues}
    # Their own venue: full figures. A2's venue (outside their county): their 1 trainee, no totals.
    assert (fills[a1.pk].n, fills[a1.pk].pct) == (3, 75)
    assert (fills[a2.pk].mine, fills[a2.pk].n, fills[a2.pk].pct) == (1, None, None)
    page = text(client_of(county_a1_admin).get(reverse("training:allocation_map", args=[cls.pk])))
    assert "不在管理范围" in page and "甲二县纪委监委" not in page


def test_the_page_draws_with_local_echarts_and_keeps_the_table_as_fallback(tree, org_admin, client_of):
    cls, _ = allocated_class(tree)
    response = client_of(org_admin).get(reverse("training:allocation_map", args=[cls.pk]), {"by": "unit"})
    page = text(response)
    assert "/static/vendor/echarts.min.js" in page and "training-allocation-map.js" in page
    assert not re.search(r'src="(https?:)?//', page), "no script from a CDN"
    assert 'role="img"' in page and "<table" in page and '<th scope="col">分会场</th>' in page
    data = chart_of(response)
    names = {n["name"] for n in data["nodes"]}
    assert {"甲一县纪委监委", "甲一县分会场", DESK, UNSEATED} <= names
    assert all(link["source"] in names and link["target"] in names for link in data["links"])
    assert {f["name"]: f["pct"] for f in data["fills"]}["乙一县分会场"] == 20


def test_a_venue_named_like_a_unit_gets_a_distinct_node(tree, org_admin):
    cls = ClassFactory()
    venue = VenueFactory(unit=tree.county_a1, name="甲一县纪委监委")
    EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a1).cadre, venue=venue)
    chart = allocation_map(actor=org_admin, training_class=cls, by=BY_UNIT).chart()
    assert [n["name"] for n in chart["nodes"]] == ["甲一县纪委监委", "甲一县纪委监委（会场）"]
    assert chart["links"] == [{"source": "甲一县纪委监委", "target": "甲一县纪委监委（会场）", "value": 1, "moved": 0}]


def test_trainees_and_teachers_may_not_open_the_map(tree, trainee_a1, teacher, client_of):
    cls, _ = allocated_class(tree)
    for user in (trainee_a1, teacher):
        assert client_of(user).get(reverse("training:allocation_map", args=[cls.pk])).status_code == 403


def test_the_map_page_runs_a_bounded_number_of_queries(tree, org_admin, client_of, django_assert_max_num_queries):
    cls, _ = allocated_class(tree)
    for i in range(30):
        EnrolmentFactory(training_class=cls, cadre=cadre_user(unit=tree.county_a2, name=f"学员{i}").cadre)
    client = client_of(org_admin)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("training:allocation_map", args=[cls.pk]), {"by": "unit"}).status_code == 200
