"""Where units are, for the distance tiebreak: a unit's own location, else an ancestor's or its host's,
else the seat of its city from the table of Shandong's 16 cities (matched by name)."""

from __future__ import annotations

from collections.abc import Iterable

from peixun.org.models import Unit
from peixun.secondment.models import UnitLocation

CITY_SEATS: dict[str, tuple[float, float]] = {
    "济南": (36.651, 117.120),
    "青岛": (36.067, 120.383),
    "淄博": (36.813, 118.055),
    "枣庄": (34.810, 117.323),
    "东营": (37.434, 118.675),
    "烟台": (37.464, 121.448),
    "潍坊": (36.707, 119.162),
    "济宁": (35.415, 116.587),
    "泰安": (36.200, 117.088),
    "威海": (37.513, 122.121),
    "日照": (35.417, 119.527),
    "临沂": (35.104, 118.356),
    "德州": (37.436, 116.359),
    "聊城": (36.457, 115.985),
    "滨州": (37.382, 117.971),
    "菏泽": (35.233, 115.481),
}


def _ids_of(path: str) -> list[int]:
    return [int(seg) for seg in path.split("/") if seg]


def _by_name(name: str) -> tuple[float, float] | None:
    for city, point in CITY_SEATS.items():
        if name.startswith(city):
            return point
    return None


def locate(units: Iterable[Unit]) -> dict[int, tuple[float, float] | None]:
    """Location of each unit, looked up in two queries whatever the number of units."""
    units = list(units)
    related: set[int] = set()
    for u in units:
        related.update(_ids_of(u.path))
        if u.host_unit_id:
            related.add(u.host_unit_id)
    own = {loc.unit_id: (loc.latitude, loc.longitude) for loc in UnitLocation.objects.filter(unit_id__in=related)}
    names = dict(Unit.objects.filter(pk__in=related).values_list("pk", "name"))

    def of_chain(ids: list[int]) -> tuple[float, float] | None:
        for pk in reversed(ids):
            if pk in own:
                return own[pk]
            point = _by_name(names.get(pk, ""))
            if point is not None:
                return point
        return None

    out: dict[int, tuple[float, float] | None] = {}
    for u in units:
        chain = _ids_of(u.path) or [u.pk]
        point = own.get(u.pk)
        if point is None and u.host_unit_id:
            point = own.get(u.host_unit_id) or _by_name(names.get(u.host_unit_id, ""))
        out[u.pk] = point or of_chain(chain)
    return out
