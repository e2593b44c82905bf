"""The organisation pages: right counts, masked ID numbers, and busy pages that do not grow in queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peixun.org import services
from peixun.org.models import UnitKind
from peixun.org.tests.factories import CadreFactory, UnitFactory
from peixun.org.tests.test_idnumber import make_id
from peixun.org.tests.test_services import BIRTH, data

pytestmark = pytest.mark.django_db


def test_child_and_cadre_counts_do_not_multiply_each_other(tree, org_admin, city_a_admin, office_member, client_of):
    CadreFactory.create_batch(3, unit=tree.county_a1)
    response = client_of(org_admin).get(reverse("org:unit_detail", kwargs={"pk": tree.province.pk}))
    counts = {u.code: (u.child_count, u.cadre_count) for u in response.context["children"]}
    # City A: two counties; its own cadres are the city admin and the office member.
    assert counts["A"] == (2, 2)
    assert counts["B"] == (1, 0)
    detail = client_of(org_admin).get(reverse("org:unit_detail", kwargs={"pk": tree.city_a.pk}))
    assert {u.code: u.cadre_count for u in detail.context["children"]} == {"A1": 3, "A2": 0}


def test_a_cadre_sees_no_toggle_for_children_it_cannot_open(tree, office_member, client_of):
    page = client_of(office_member).get(reverse("org:unit_tree")).content.decode()
    assert 'data-unit="A"' in page
    assert reverse("org:unit_children", kwargs={"pk": tree.city_a.pk}) not in page
    assert tree.county_a1.name not in page


def test_the_city_admin_tree_opens_on_its_city_with_its_counties(tree, city_a_admin, client_of):
    client = client_of(city_a_admin)
    page = client.get(reverse("org:unit_tree")).content.decode()
    assert reverse("org:unit_children", kwargs={"pk": tree.city_a.pk}) in page
    children = client.get(reverse("org:unit_children", kwargs={"pk": tree.city_a.pk})).content.decode()
    assert tree.county_a1.name in children and tree.county_a2.name in children
    assert tree.city_b.name not in page + children


def test_the_cadre_page_shows_the_id_number_masked(tree, org_admin, client_of):
    number = make_id(BIRTH, "M")
    cadre = services.cadre_create(actor=org_admin, data=data(tree.county_a1, id_number=number))
    page = client_of(org_admin).get(reverse("org:cadre_detail", kwargs={"pk": cadre.pk})).content.decode()
    assert number[:6] + "********" + number[-4:] in page
    assert number not in page


def test_a_county_admin_cannot_open_a_foreign_cadre_or_unit(tree, county_a1_admin, trainee_b1, client_of):
    client = client_of(county_a1_admin)
    assert client.get(reverse("org:cadre_detail", kwargs={"pk": trainee_b1.cadre.pk})).status_code == 404
    assert client.get(reverse("org:unit_detail", kwargs={"pk": tree.county_b1.pk})).status_code == 404
    assert client.get(reverse("org:cadre_list"), {"unit": tree.county_b1.pk}).status_code == 404


def test_the_cadre_list_filters_by_unit_status_and_name(tree, org_admin, trainee_a1, trainee_b1, client_of):
    client = client_of(org_admin)
    by_unit = client.get(reverse("org:cadre_list"), {"unit": tree.city_b.pk}).content.decode()
    assert trainee_b1.cadre.employee_number in by_unit and trainee_a1.cadre.employee_number not in by_unit
    by_name = client.get(reverse("org:cadre_list"), {"q": "甲一县学员"}).content.decode()
    assert trainee_a1.cadre.employee_number in by_name and trainee_b1.cadre.employee_number not in by_name
    retired = client.get(reverse("org:cadre_list"), {"status": "retired"}).content.decode()
    assert "没有符合条件的干部" in retired


def test_a_page_of_thirty_cadres_is_not_thirty_queries(tree, org_admin, client_of, django_assert_max_num_queries):
    counties = [UnitFactory(parent=tree.city_b, kind=UnitKind.COUNTY) for _ in range(10)]
    for county in counties:
        CadreFactory.create_batch(3, unit=county)
    client = client_of(org_admin)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("org:cadre_list"))
    assert len(response.context["page"].object_list) == 30


def test_the_unit_tree_and_its_branches_are_not_one_query_per_unit(
    tree, org_admin, client_of, django_assert_max_num_queries
):
    for _ in range(30):
        county = UnitFactory(parent=tree.city_b, kind=UnitKind.COUNTY)
        CadreFactory.create_batch(2, unit=county)
    client = client_of(org_admin)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("org:unit_tree")).status_code == 200
    with django_assert_max_num_queries(15):
        branch = client.get(reverse("org:unit_children", kwargs={"pk": tree.city_b.pk}))
    assert branch.content.decode().count("data-unit=") == 31
    with django_assert_max_num_queries(15):
        detail = client.get(reverse("org:unit_detail", kwargs={"pk": tree.city_b.pk}))
    assert {u.cadre_count for u in detail.context["children"] if u.code != "B1"} == {2}


def test_the_unit_search_page_is_scoped_and_bounded(tree, city_a_admin, client_of, django_assert_max_num_queries):
    for i in range(30):
        UnitFactory(parent=tree.city_a, kind=UnitKind.COUNTY, name=f"甲市下属{i}")
    client = client_of(city_a_admin)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("org:unit_tree"), {"q": "纪委"}).content.decode()
    assert tree.county_a1.name in page
    assert tree.city_b.name not in page
    # The province shows only as city A's parent, never as a row of its own.
    assert f">{tree.province.name}</a>" not in page
