"""THE SEEDING PATH: the one place that writes demo data without going through the services.

`load_demo()` creates the plan of `plan.py` in bulk (per-row services would take minutes and write an
audit record per row). It only ever creates: whatever already exists (matched by unit code, employee
number, username, office code, membership, grant) is left exactly as it is, nothing is re-saved or
re-hashed, so a second run changes nothing. It writes one audit record, DEMO_LOAD, when it created
anything. Everything runs in one transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
from peixun.org.demo.offices import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAccount
from peixun.org.demo.plan import Plan, UnitSpec, build_plan
from peixun.org.models import Cadre, Unit, UnitKind
from peixun.org.services import apply_id_number

BATCH = 500

# Units are created parents first: the province, then what hangs under it, then counties and the
# bodies whose host is a city.
LEVELS = (
    (UnitKind.PROVINCE,),
    (UnitKind.DEPARTMENT, UnitKind.DISPATCHED, UnitKind.CITY),
    (UnitKind.COUNTY, UnitKind.ENTERPRISE, UnitKind.UNIVERSITY),
)


@dataclass
class AccountLine:
    display: str
    username: str
    password: str
    scope: str


@dataclass
class LoadResult:
    created: Counter[str] = field(default_factory=Counter)
    accounts: list[AccountLine] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values())


class _Password:
    """The shared demo password, hashed once and only if some account needs it."""

    def __init__(self) -> None:
        self._hash = ""

    @property
    def hash(self) -> str:
        if not self._hash:
            self._hash = make_password(DEMO_PASSWORD)
        return self._hash


def _ensure_units(plan: Plan, created: Counter[str]) -> dict[str, Unit]:
    units = {u.code: u for u in Unit.objects.filter(code__in=[s.code for s in plan.units])}
    for kinds in LEVELS:
        specs: list[UnitSpec] = [s for s in plan.units if s.kind in kinds and s.code not in units]
        if not specs:
            continue
        new = [
            Unit(
                code=s.code,
                name=s.name,
                kind=s.kind,
                parent=units[s.parent] if s.parent else None,
                has_intranet=s.has_intranet,
                host_unit=units[s.host] if s.host else None,
                address=s.address,
                contact_name=s.contact_name,
                contact_phone=s.contact_phone,
                sort_order=s.sort_order,
            )
            for s in specs
        ]
        Unit.objects.bulk_create(new, batch_size=BATCH)
        if any(u.pk is None for u in new):  # a backend that does not return keys
            new = list(Unit.objects.filter(code__in=[s.code for s in specs]))
        by_code = {u.code: u for u in new}
        for unit in new:
            # Parents belong to an earlier level, whose paths are already set.
            parent = units[unit.parent.code] if unit.parent else None
            unit.path = (parent.path if parent else "") + Unit.path_segment(unit.pk)
            unit.depth = parent.depth + 1 if parent else 0
        # Only the two computed columns: bulk_update leaves updated_at alone.
        Unit.objects.bulk_update(new, ["path", "depth"], batch_size=BATCH)
        units.update(by_code)
        created["units"] += len(new)
    return units


def _ensure_cadres(plan: Plan, units: dict[str, Unit], created: Counter[str]) -> dict[str, int]:
    numbers = [c.employee_number for c in plan.cadres]
    existing = set(Cadre.objects.filter(employee_number__in=numbers).values_list("employee_number", flat=True))
    new = []
    for spec in plan.cadres:
        if spec.employee_number in existing:
            continue
        p = spec.person
        cadre = Cadre(
            employee_number=spec.employee_number,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            unit=units[spec.unit],
            position=p.position,
            rank=p.rank,
            political_status=p.political_status,
            phone=p.phone,
            work_start_date=p.work_start_date,
            status=p.status,
        )
        apply_id_number(cadre, p.id_number)
        new.append(cadre)
    Cadre.objects.bulk_create(new, batch_size=BATCH)
    created["cadres"] += len(new)
    return dict(Cadre.objects.filter(employee_number__in=numbers).values_list("employee_number", "pk"))


def _ensure_cadre_accounts(plan: Plan, cadre_ids: dict[str, int], password: _Password, created: Counter[str]) -> None:
    with_account = set(User.objects.filter(cadre_id__in=cadre_ids.values()).values_list("cadre_id", flat=True))
    wanted = {plan.usernames.get(c.employee_number, c.employee_number): c for c in plan.cadres}
    taken = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    now = timezone.now()
    new = [
        User(
            username=username,
            display_name=spec.person.name,
            cadre_id=cadre_ids[spec.employee_number],
            password=password.hash,
            password_changed_at=now,
        )
        for username, spec in wanted.items()
        if cadre_ids[spec.employee_number] not in with_account and username not in taken
    ]
    User.objects.bulk_create(new, batch_size=BATCH)
    created["accounts"] += len(new)


def _ensure_admin_accounts(password: _Password, created: Counter[str]) -> None:
    for account in DEMO_ACCOUNTS:
        if account.cadre is not None or account.office is not None:
            continue
        if not User.objects.filter(username=account.username).exists():
            User.objects.create(
                username=account.username,
                display_name=account.display_name,
                password=password.hash,
                password_changed_at=timezone.now(),
            )
            created["accounts"] += 1


def _ensure_grants(units: dict[str, Unit], created: Counter[str]) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if account.role is None or user is None:
            continue
        unit = units[account.unit] if account.unit else None
        if not RoleGrant.objects.filter(user=user, role=account.role, unit=unit).exists():
            RoleGrant.objects.create(user=user, role=account.role, unit=unit)
            created["grants"] += 1


def _ensure_offices(plan: Plan, cadre_ids: dict[str, int], created: Counter[str]) -> None:
    offices = {o.code: o for o in ResearchOffice.objects.filter(code__in=[o.code for o in plan.offices])}
    for spec in plan.offices:
        office = offices.get(spec.code)
        if office is None:
            office = ResearchOffice.objects.create(
                code=spec.code,
                name=spec.name,
                field=spec.field,
                description=spec.description,
                sort_order=spec.sort_order,
            )
            created["offices"] += 1
        members = set(OfficeMembership.objects.filter(office=office).values_list("cadre_id", flat=True))
        has_director = OfficeMembership.objects.filter(office=office, role=OfficeRole.DIRECTOR).exists()
        new = []
        for number, role in spec.members:
            if cadre_ids[number] in members:
                continue
            # Someone may have named another director since the last load: theirs stands.
            if role == OfficeRole.DIRECTOR and has_director:
                role = OfficeRole.MEMBER
            new.append(OfficeMembership(office=office, cadre_id=cadre_ids[number], role=role))
        OfficeMembership.objects.bulk_create(new)
        created["memberships"] += len(new)


def _scope(account: DemoAccount, plan: Plan, units: dict[str, Unit]) -> str:
    if account.unit:
        return units[account.unit].name
    if account.office:
        return next(o.name for o in plan.offices if o.code == account.office)
    if account.cadre is None or account.role == Role.ORG_ADMIN:
        return "全省"
    number = plan.account_cadres[account.username]
    return units[next(c.unit for c in plan.cadres if c.employee_number == number)].name


@transaction.atomic
def load_demo() -> LoadResult:
    """Create whatever of the demo province is missing; return what was created and the demo accounts."""
    plan = build_plan()
    result = LoadResult()
    password = _Password()
    units = _ensure_units(plan, result.created)
    cadre_ids = _ensure_cadres(plan, units, result.created)
    _ensure_cadre_accounts(plan, cadre_ids, password, result.created)
    _ensure_admin_accounts(password, result.created)
    _ensure_grants(units, result.created)
    _ensure_offices(plan, cadre_ids, result.created)
    if result.changed:
        audit_record(
            actor=None,
            event=Event.DEMO_LOAD,
            actor_label="manage.py load_demo",
            object_repr="演示数据（山东省）",
            detail=dict(result.created),
        )
    result.accounts = [AccountLine(a.display, a.username, DEMO_PASSWORD, _scope(a, plan, units)) for a in DEMO_ACCOUNTS]
    return result
