"""Scope policy of the organisation pages and API. Objects used are in city B / county B1."""

from __future__ import annotations

from peixun.core.tests.scope import AUTHENTICATED, LOCAL_ROLES, PROVINCE_ADMINS, Endpoint

IMPORTERS = frozenset({"org_admin", "city_a_admin", "county_a1_admin"})
NOT_PROVINCE = LOCAL_ROLES | {"audit_admin"}


def foreign_names(w):
    return [w.foreign_cadre.name, w.foreign_cadre.employee_number]


def foreign_units(w):
    return [w.tree.county_b1.name, w.tree.city_b.name]


ENDPOINTS = [
    Endpoint("org:unit_tree", allow=AUTHENTICATED, hidden=foreign_units, hidden_from=NOT_PROVINCE),
    Endpoint("org:unit_tree", label="search", allow=AUTHENTICATED, query=lambda w: {"q": "乙"},
             hidden=foreign_units, hidden_from=NOT_PROVINCE),
    Endpoint("org:unit_detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.tree.county_b1.pk}),
    Endpoint("org:unit_children", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.tree.city_b.pk}),
    Endpoint("org:cadre_list", allow=AUTHENTICATED, hidden=foreign_names, hidden_from=NOT_PROVINCE),
    Endpoint("org:cadre_list", label="search", allow=AUTHENTICATED,
             query=lambda w: {"q": w.foreign_cadre.name},
             # The search box echoes the name; the row would show the employee number.
             hidden=lambda w: [w.foreign_cadre.employee_number], hidden_from=NOT_PROVINCE),
    Endpoint("org:cadre_list", label="foreign-unit", allow=PROVINCE_ADMINS,
             query=lambda w: {"unit": w.tree.county_b1.pk}),
    Endpoint("org:cadre_detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.foreign_cadre.pk}),
    Endpoint("org:import_start", allow=IMPORTERS),
    Endpoint("unit-list", allow=AUTHENTICATED, hidden=foreign_units, hidden_from=NOT_PROVINCE),
    Endpoint("unit-detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.tree.county_b1.pk}),
    Endpoint("cadre-list", allow=AUTHENTICATED, hidden=foreign_names, hidden_from=NOT_PROVINCE),
    Endpoint("cadre-list", label="search", allow=AUTHENTICATED,
             query=lambda w: {"q": w.foreign_cadre.employee_number},
             hidden=lambda w: [w.foreign_cadre.name], hidden_from=NOT_PROVINCE),
    Endpoint("cadre-detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.foreign_cadre.pk}),
]
