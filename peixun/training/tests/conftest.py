"""Fixtures shared by the training tests."""

from __future__ import annotations

import pytest

from peixun.training.tests.factories import ClassFactory, LectureFactory, VenueFactory


@pytest.fixture
def world(tree, org_admin):
    """A class with one lecture and four venues: county A1 (4 seats at 50 %), county A2, city A and
    county B1, placed so that A1's overflow has a nearest neighbour in the same city."""
    cls = ClassFactory()
    LectureFactory(training_class=cls)
    venues = {
        "a1": VenueFactory(unit=tree.county_a1, seats=4, allowed_occupancy=50, latitude=36.1, longitude=117.1),
        "a2": VenueFactory(unit=tree.county_a2, seats=10, latitude=36.3, longitude=117.3),
        "a": VenueFactory(unit=tree.city_a, seats=3, latitude=36.2, longitude=117.2),
        "b1": VenueFactory(unit=tree.county_b1, seats=20, latitude=36.15, longitude=117.15),
    }
    return cls, venues
