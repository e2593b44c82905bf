"""The JSON API for units and cadres: scoped like the pages, one error shape, a valid OpenAPI schema."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.validation import validate_schema

from peixun.org import services
from peixun.org.tests.test_idnumber import make_id
from peixun.org.tests.test_services import BIRTH, data

pytestmark = pytest.mark.django_db
ALL_UNITS = {"P", "P-D", "A", "A1", "A2", "B", "B1", "E"}
# What each role's unit list holds: its admin subtree, its operator unit, its own unit.
UNITS_SEEN = {
    "org_admin": ALL_UNITS,
    "system_admin": ALL_UNITS,
    "security_admin": ALL_UNITS,
    "audit_admin": set(),
    "city_a_admin": {"A", "A1", "A2"},
    "county_a1_admin": {"A1"},
    "county_b1_admin": {"B1"},
    "venue_operator_a1": {"A1"},
    "trainee_a1": {"A1"},
    "teacher": {"P-D"},
    "office_member": {"A"},
}


@pytest.fixture
def people(
    tree,
    org_admin,
    city_a_admin,
    county_a1_admin,
    county_b1_admin,
    trainee_a1,
    trainee_b1,
    teacher,
    venue_operator_a1,
    office_director,
    office_member,
    system_admin,
    security_admin,
    audit_admin,
):
    return {
        "org_admin": org_admin,
        "city_a_admin": city_a_admin,
        "county_a1_admin": county_a1_admin,
        "county_b1_admin": county_b1_admin,
        "trainee_a1": trainee_a1,
        "trainee_b1": trainee_b1,
        "teacher": teacher,
        "venue_operator_a1": venue_operator_a1,
        "office_director": office_director,
        "office_member": office_member,
        "system_admin": system_admin,
        "security_admin": security_admin,
        "audit_admin": audit_admin,
    }


def everything(client: Client, url: str, **params: object) -> list[dict]:
    out, page = [], 1
    while True:
        body = client.get(url, {**params, "page": page, "page_size": 500}).json()
        out += body["results"]
        if not body["next"]:
            return out
        page += 1


@pytest.mark.parametrize("role", sorted(UNITS_SEEN))
def test_each_role_lists_exactly_its_units(people, client_of, role):
    units = everything(client_of(people[role]), "/api/units/")
    assert {u["code"] for u in units} == UNITS_SEEN[role]


@pytest.mark.parametrize("role", ["city_a_admin", "county_a1_admin", "venue_operator_a1", "trainee_a1", "teacher"])
def test_each_role_opens_every_unit_and_cadre_it_lists(people, client_of, role):
    client = client_of(people[role])
    for kind in ("units", "cadres"):
        listed = everything(client, f"/api/{kind}/")
        assert listed
        for row in listed:
            assert client.get(f"/api/{kind}/{row['id']}/").json() == row


def cadre_owner(people: dict, unit_codes: set[str]) -> set[str]:
    return {u.cadre.name for u in people.values() if u.cadre_id and u.cadre.unit.code in unit_codes}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_admin", lambda p: cadre_owner(p, ALL_UNITS)),
        ("city_a_admin", lambda p: cadre_owner(p, {"A", "A1", "A2"})),
        ("county_a1_admin", lambda p: cadre_owner(p, {"A1"})),
        ("county_b1_admin", lambda p: cadre_owner(p, {"B1"})),
        ("trainee_a1", lambda p: {p["trainee_a1"].cadre.name}),
        ("venue_operator_a1", lambda p: {p["venue_operator_a1"].cadre.name}),
        ("office_member", lambda p: {p["office_member"].cadre.name, p["office_director"].cadre.name}),
        ("audit_admin", lambda p: set()),
    ],
)
def test_each_role_lists_exactly_its_cadres(people, client_of, role, expected):
    cadres = everything(client_of(people[role]), "/api/cadres/")
    assert {c["name"] for c in cadres} == expected(people)


@pytest.mark.parametrize("role", ["city_a_admin", "county_a1_admin", "trainee_a1", "venue_operator_a1", "audit_admin"])
def test_a_foreign_unit_and_cadre_are_not_found(people, client_of, role, tree):
    client = client_of(people[role])
    for url in (f"/api/units/{tree.county_b1.pk}/", f"/api/cadres/{people['trainee_b1'].cadre.pk}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": response.json()["error"]["message"]}}
        assert response.json()["error"]["message"]


def test_a_foreign_unit_filter_is_not_found_rather_than_empty(people, client_of, tree):
    response = client_of(people["county_a1_admin"]).get("/api/cadres/", {"unit": tree.county_b1.pk})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_unit_filter_includes_subunits(people, client_of, tree):
    names = {c["name"] for c in everything(client_of(people["org_admin"]), "/api/cadres/", unit=tree.city_a.pk)}
    assert names == cadre_owner(people, {"A", "A1", "A2"})


def test_the_parent_filter_stays_inside_the_scope(people, client_of, tree):
    client = client_of(people["county_a1_admin"])
    assert client.get("/api/units/", {"parent": tree.city_b.pk}).json()["results"] == []
    assert [u["code"] for u in client.get("/api/units/", {"parent": tree.city_a.pk}).json()["results"]] == ["A1"]


def test_an_anonymous_call_gets_the_error_shape(tree):
    response = Client().get("/api/units/")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"]


def test_the_api_is_read_only(people, client_of, tree):
    client = client_of(people["org_admin"])
    response = client.post("/api/units/", {"code": "X", "name": "X"}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert client.delete(f"/api/units/{tree.county_b1.pk}/").status_code == 405


def test_the_api_shows_only_the_masked_id_number(tree, org_admin, client_of):
    number = make_id(BIRTH, "M")
    cadre = services.cadre_create(actor=org_admin, data=data(tree.county_a1, id_number=number))
    response = client_of(org_admin).get(f"/api/cadres/{cadre.pk}/")
    assert response.json()["id_number"] == number[:6] + "********" + number[-4:]
    assert number not in response.content.decode()
    assert cadre.id_number_encrypted not in response.content.decode()


def test_the_cadre_list_api_is_not_one_query_per_row(tree, org_admin, client_of, django_assert_max_num_queries):
    from peixun.org.tests.factories import CadreFactory

    CadreFactory.create_batch(60, unit=tree.county_b1)
    client = client_of(org_admin)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/cadres/").json()["results"]) == 50


def test_the_schema_is_valid_openapi_and_lists_units_and_cadres(tree, trainee_a1, client_of):
    client = client_of(trainee_a1)
    as_json = client.get("/api/schema/", {"format": "json"}).json()
    validate_schema(as_json)
    assert as_json["openapi"].startswith("3.")
    for path in ("/api/units/", "/api/units/{id}/", "/api/cadres/", "/api/cadres/{id}/"):
        assert "get" in as_json["paths"][path]
    assert yaml.safe_load(client.get("/api/schema/").content) == as_json


def test_the_schema_needs_a_login(tree):
    assert Client().get("/api/schema/").status_code == 403


def test_the_docs_page_loads_its_assets_from_this_server(tree, trainee_a1, client_of):
    page = client_of(trainee_a1).get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not served locally"
    assert not re.search(r"https?://|//cdn|jsdelivr|unpkg|cdnjs", page)
    assert '"validatorUrl": null' in page
