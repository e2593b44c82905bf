"""The demo province as plain data: every unit, cadre, office and account, computed without the database.

Deterministic: each unit draws from a random generator seeded with its own code, so the same code
always gives the same people, and running the loader twice compares equal plans.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache

from peixun.offices.models import OfficeRole
from peixun.org.demo import units as data
from peixun.org.demo.offices import DEMO_ACCOUNTS, MEMBERS_PER_OFFICE, OFFICES
from peixun.org.demo.people import PROTECTED, Person, make_person, person_name, posts_for
from peixun.org.models import UnitKind


@dataclass
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    address: str
    contact_name: str
    contact_phone: str
    sort_order: int
    has_intranet: bool = True
    host: str | None = None
    size: int = 0
    head_title: str = ""
    region: str = ""  # ID-number region of its people ("" = anywhere in the province)


@dataclass
class CadreSpec:
    employee_number: str
    unit: str
    person: Person


@dataclass
class OfficeSpec:
    code: str
    name: str
    field: str
    description: str
    sort_order: int
    members: list[tuple[str, str]]  # (employee number, role), director first


@dataclass
class Plan:
    units: list[UnitSpec]
    cadres: list[CadreSpec]
    offices: list[OfficeSpec]
    usernames: dict[str, str] = field(default_factory=dict)  # employee number -> alias, for demo accounts
    account_cadres: dict[str, str] = field(default_factory=dict)  # demo username -> employee number

    def cadres_of(self, unit_code: str) -> list[CadreSpec]:
        return [c for c in self.cadres if c.unit == unit_code]


def _contact(rng: random.Random, area: str) -> tuple[str, str]:
    return person_name(rng, rng.choice("MF")), f"{area}-{rng.randint(6, 8)}{rng.randrange(10**7):07d}"


def _units() -> list[UnitSpec]:
    rng = random.Random("demo:units")
    specs: list[UnitSpec] = []
    name, phone = _contact(rng, "0531")
    specs.append(
        UnitSpec(
            data.PROVINCE_CODE,
            data.PROVINCE_NAME,
            UnitKind.PROVINCE,
            None,
            data.PROVINCE_ADDRESS,
            name,
            phone,
            0,
            size=data.PROVINCE_LEADERS,
            region="370101",
        )
    )
    for n, (dept, head, size) in enumerate(data.DEPARTMENTS, 1):
        name, phone = _contact(rng, "0531")
        specs.append(
            UnitSpec(
                f"37-BM-{n:02d}",
                dept,
                UnitKind.DEPARTMENT,
                "37",
                data.PROVINCE_ADDRESS,
                name,
                phone,
                n,
                size=size,
                head_title=head,
            )
        )
    for n, (group, size) in enumerate(data.DISPATCHED, 1):
        name, phone = _contact(rng, "0531")
        specs.append(
            UnitSpec(
                f"37-PZ-{n:02d}",
                group,
                UnitKind.DISPATCHED,
                "37",
                data.PROVINCE_ADDRESS,
                name,
                phone,
                100 + n,
                size=size,
            )
        )
    city_codes = {}
    for n, city in enumerate(data.CITIES, 1):
        city_codes[city.name] = city.code
        name, phone = _contact(rng, city.area_code)
        address = f"山东省{city.name}市{rng.choice(city.roads)}{rng.randint(1, 300)}号"
        specs.append(
            UnitSpec(
                city.code,
                f"{city.name}市纪委监委",
                UnitKind.CITY,
                "37",
                address,
                name,
                phone,
                200 + n,
                size=city.cadres,
                region=city.code + "02",
            )
        )
        for m, county in enumerate(city.counties, 1):
            code = f"{city.code}{m:02d}"
            label = f"{city.name}市{county}" if county in data.AMBIGUOUS_COUNTIES else county
            name, phone = _contact(rng, city.area_code)
            address = f"山东省{city.name}市{county}{rng.choice(data.COUNTY_ROADS)}{rng.randint(1, 200)}号"
            specs.append(
                UnitSpec(
                    code,
                    f"{label}纪委监委",
                    UnitKind.COUNTY,
                    city.code,
                    address,
                    name,
                    phone,
                    m,
                    size=rng.randint(*city.county_cadres),
                    region=code,
                )
            )
    area = {c.name: c.area_code for c in data.CITIES}
    roads = {c.name: c.roads for c in data.CITIES}
    for prefix, kind, rows, base in (
        ("QY", UnitKind.ENTERPRISE, data.ENTERPRISES, 300),
        ("GX", UnitKind.UNIVERSITY, data.UNIVERSITIES, 400),
    ):
        for n, (body, city_name, size, intranet) in enumerate(rows, 1):
            name, phone = _contact(rng, area[city_name])
            address = f"山东省{city_name}市{rng.choice(roads[city_name])}{rng.randint(1, 500)}号"
            specs.append(
                UnitSpec(
                    f"37-{prefix}-{n:02d}",
                    body,
                    kind,
                    "37",
                    address,
                    name,
                    phone,
                    base + n,
                    has_intranet=intranet,
                    host=None if intranet else city_codes[city_name],
                    size=size,
                    region=city_codes[city_name] + "02",
                )
            )
    return specs


def _cadres(units: list[UnitSpec]) -> list[CadreSpec]:
    regions = [u.region for u in units if u.kind == UnitKind.COUNTY]
    taken: set[str] = set()
    cadres: list[CadreSpec] = []
    for unit in units:
        rng = random.Random(f"demo:cadres:{unit.code}")
        prefix = unit.code.replace("-", "")
        for index, (post, rank) in enumerate(posts_for(unit.kind, unit.size, unit.head_title, rng)):
            region = unit.region or rng.choice(regions)
            person = make_person(rng, index=index, post=post, rank=rank, region=region, taken_ids=taken)
            cadres.append(CadreSpec(f"{prefix}{index + 1:03d}", unit.code, person))
    return cadres


def _offices(units: list[UnitSpec], by_unit: dict[str, list[CadreSpec]], reserved: set[str]) -> list[OfficeSpec]:
    """Directors are department heads (or a commission member); members come from the province's
    departments and the cities, each cadre in one office at most."""
    departments = [u.code for u in units if u.kind == UnitKind.DEPARTMENT]
    cities = [u.code for u in units if u.kind == UnitKind.CITY]
    used = set(reserved)
    offices: list[OfficeSpec] = []
    for n, (code, name, field_, description, (unit, index)) in enumerate(OFFICES, 1):
        rng = random.Random(f"demo:office:{code}")
        director = by_unit[unit][index].employee_number
        used.add(director)
        members: list[tuple[str, str]] = [(director, OfficeRole.DIRECTOR)]
        want = rng.randint(*MEMBERS_PER_OFFICE)
        while len(members) < want:
            # Members from the province's departments and from the cities, about half each.
            pool = departments if len(members) % 2 else cities
            candidate = by_unit[rng.choice(pool)][rng.randrange(1, PROTECTED)].employee_number
            if candidate not in used:
                used.add(candidate)
                members.append((candidate, OfficeRole.MEMBER))
        offices.append(OfficeSpec(code, name, field_, description, n, members))
    return offices


@lru_cache(maxsize=1)
def build_plan() -> Plan:
    units = _units()
    cadres = _cadres(units)
    by_unit: dict[str, list[CadreSpec]] = {}
    for cadre in cadres:
        by_unit.setdefault(cadre.unit, []).append(cadre)
    account_cadres = {
        a.username: by_unit[a.cadre[0]][a.cadre[1]].employee_number for a in DEMO_ACCOUNTS if a.cadre is not None
    }
    offices = _offices(units, by_unit, set(account_cadres.values()))
    for account in DEMO_ACCOUNTS:
        if account.office is not None:
            office = next(o for o in offices if o.code == account.office)
            wanted = OfficeRole.DIRECTOR if account.username == "office_director" else OfficeRole.MEMBER
            # The office member shown is one from a city, to show that membership crosses units.
            account_cadres[account.username] = next(
                number
                for number, role in office.members
                if role == wanted and (wanted == OfficeRole.DIRECTOR or (number[:2].isdigit() and len(number) == 7))
            )
    usernames = {number: username for username, number in account_cadres.items()}
    return Plan(units, cadres, offices, usernames, account_cadres)
