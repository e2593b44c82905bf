from __future__ import annotations

from peixun.org import selectors


def test_a_county_admin_sees_only_its_county(tree, county_a1_admin, trainee_a1, trainee_b1):
    units = set(selectors.units_visible(actor=county_a1_admin).values_list("code", flat=True))
    assert units == {"A1"}
    cadres = selectors.cadres_visible(actor=county_a1_admin)
    assert trainee_a1.cadre in cadres
    assert trainee_b1.cadre not in cadres


def test_a_city_admin_sees_its_city_and_counties(tree, city_a_admin, trainee_a1, trainee_b1):
    units = set(selectors.units_visible(actor=city_a_admin).values_list("code", flat=True))
    assert units == {"A", "A1", "A2"}
    assert trainee_b1.cadre not in selectors.cadres_visible(actor=city_a_admin)


def test_the_org_admin_sees_the_whole_province(tree, org_admin, trainee_b1):
    assert selectors.units_visible(actor=org_admin).count() == 8
    assert trainee_b1.cadre in selectors.cadres_visible(actor=org_admin)


def test_a_trainee_sees_only_itself(tree, trainee_a1, trainee_b1):
    assert list(selectors.cadres_visible(actor=trainee_a1)) == [trainee_a1.cadre]


def test_the_audit_admin_sees_no_cadres(tree, audit_admin, trainee_a1):
    assert not selectors.cadres_visible(actor=audit_admin).exists()


def test_office_members_see_their_colleagues(office_director, office_member, trainee_a1):
    seen = set(selectors.cadres_visible(actor=office_member))
    assert seen == {office_director.cadre, office_member.cadre}


def test_the_tree_roots_of_a_city_admin_are_its_city(tree, city_a_admin):
    assert [u.code for u in selectors.unit_roots(actor=city_a_admin)] == ["A"]
