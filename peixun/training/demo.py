"""Demo training data on top of `load_demo`: venues for every city and county commission (coordinates
from the 16 Shandong city centres, counties offset around them), one operator each, a year's plan with
classes, lectures and enrolments, and one allocation run. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from peixun.accounts.models import RoleGrant, User
from peixun.accounts.roles import Role
from peixun.offices.models import ResearchOffice
from peixun.org.models import Cadre, CadreStatus, Unit, UnitKind
from peixun.training.models import (
    ClassKind,
    ClassMode,
    ClassStatus,
    Enrolment,
    EnrolmentChannel,
    Lecture,
    Quota,
    TrainingClass,
    TrainingPlan,
    Venue,
)

CITY_CENTRES = {
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
    "临沂": (35.105, 118.356),
    "德州": (37.436, 116.359),
    "聊城": (36.457, 115.985),
    "滨州": (37.382, 117.971),
    "菏泽": (35.233, 115.481),
}
PROVINCE_CENTRE = (36.668, 117.020)


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def city_centre(unit: Unit, cities: dict[int, Unit]) -> tuple[float, float]:
    city = cities.get(unit.pk) or next(
        (cities[int(s)] for s in unit.path.strip("/").split("/") if int(s) in cities), None
    )
    if city is None:
        return PROVINCE_CENTRE
    return next((xy for name, xy in CITY_CENTRES.items() if city.name.startswith(name)), PROVINCE_CENTRE)


def venue_spec(unit: Unit, cities: dict[int, Unit]) -> dict:
    """Seats, occupancy and position of a unit's venue, derived from its code (stable across runs)."""
    lat, lon = city_centre(unit, cities)
    h = _digest(unit.code)
    if unit.kind == UnitKind.CITY:
        return {"seats": 120 + h % 80, "allowed_occupancy": 75, "latitude": lat, "longitude": lon}
    angle_lat = ((h % 1000) / 1000 - 0.5) * 0.9
    angle_lon = (((h // 1000) % 1000) / 1000 - 0.5) * 0.9
    return {
        "seats": 30 + h % 60,
        "allowed_occupancy": (50, 75, 100)[h % 3],
        "latitude": round(lat + angle_lat, 4),
        "longitude": round(lon + angle_lon, 4),
    }


@transaction.atomic
def load_training_demo() -> Counter[str]:
    from peixun.org.demo.offices import DEMO_PASSWORD as password

    created: Counter[str] = Counter()
    province = Unit.objects.filter(kind=UnitKind.PROVINCE).first()
    if province is None:
        return created
    cities = {u.pk: u for u in Unit.objects.filter(kind=UnitKind.CITY)}
    if not Venue.objects.filter(is_main=True).exists():
        Venue.objects.create(
            name="省纪委监委主会场（演播室）",
            unit=province,
            is_main=True,
            seats=80,
            allowed_occupancy=100,
            latitude=PROVINCE_CENTRE[0],
            longitude=PROVINCE_CENTRE[1],
        )
        created["venues"] += 1
    have = set(Venue.objects.values_list("unit_id", flat=True))
    hosts = Unit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.COUNTY], is_active=True).order_by("path")
    new = [Venue(name=f"{u.name}分会场", unit=u, **venue_spec(u, cities)) for u in hosts if u.pk not in have]
    Venue.objects.bulk_create(new)
    created["venues"] += len(new)
    operated = set(RoleGrant.objects.filter(role=Role.VENUE_OPERATOR).values_list("unit_id", flat=True))
    hashed = ""
    for unit in hosts:
        if unit.pk in operated:
            continue
        hashed = hashed or make_password(password)
        user, made = User.objects.get_or_create(
            username=f"venue_{unit.code}",
            defaults={
                "display_name": f"{unit.name}分会场管理员",
                "password": hashed,
                "password_changed_at": timezone.now(),
            },
        )
        RoleGrant.objects.create(user=user, role=Role.VENUE_OPERATOR, unit=unit)
        created["operators"] += made
    _plan_and_classes(created)
    return created


def _plan_and_classes(created: Counter[str]) -> None:
    today = timezone.localdate()
    plan, made = TrainingPlan.objects.get_or_create(
        year=today.year, defaults={"title": f"{today.year}年度纪检监察干部教育培训计划", "hours_target": Decimal("40")}
    )
    created["plans"] += made
    offices = list(ResearchOffice.objects.order_by("sort_order", "id")[:3])
    if not offices:
        return
    main = Venue.objects.get(is_main=True)
    specs = [
        ("学习贯彻党的二十届三中全会精神专题辅导班", ClassKind.TOPICAL, ClassMode.LIVE, ClassStatus.ENROLLING, 7, 2),
        ("纪检监察业务能力提升培训班", ClassKind.BUSINESS, ClassMode.BOTH, ClassStatus.IN_PROGRESS, 0, 2),
        ("纪检监察一体化工作平台应用培训班", ClassKind.SYSTEM, ClassMode.LIVE, ClassStatus.FINISHED, -20, 1),
    ]
    for n, (title, kind, mode, status, offset, lectures) in enumerate(specs):
        start = today + dt.timedelta(days=offset)
        if start.year != today.year:
            start = today
        cls, made = TrainingClass.objects.get_or_create(
            plan=plan,
            title=title,
            defaults={
                "office": offices[n % len(offices)],
                "kind": kind,
                "mode": mode,
                "status": status,
                "start_date": start,
                "end_date": start + dt.timedelta(days=1),
                "study_hours": Decimal("4"),
                "allow_desk": n == 0,
                "allow_self_enrolment": n == 0,
            },
        )
        if not made:
            continue
        created["classes"] += 1
        for i in range(lectures):
            day = dt.datetime.combine(start + dt.timedelta(days=i), dt.time((9, 14, 9)[n], (0, 0, 30)[n]))
            Lecture.objects.create(
                training_class=cls,
                topic=f"{title[:8]}·第{i + 1}讲",
                starts_at=timezone.make_aware(day),
                duration_minutes=120,
                teacher_name=("王教授", "李研究员", "赵处长")[i % 3],
                main_venue=main,
                is_live=mode != ClassMode.ON_SITE,
                study_hours=Decimal("4") / lectures,
            )
        for unit in Unit.objects.filter(kind=UnitKind.CITY):
            Quota.objects.create(training_class=cls, unit=unit, seats=120)
        cadres = Cadre.objects.filter(status=CadreStatus.ACTIVE, unit__kind__in=[UnitKind.COUNTY, UnitKind.CITY])
        picked = list(cadres.order_by("unit__path", "employee_number").values_list("pk", flat=True))[:: 3 + n * 2]
        Enrolment.objects.bulk_create(
            [Enrolment(training_class=cls, cadre_id=pk, channel=EnrolmentChannel.ORG_ADMIN) for pk in picked],
            batch_size=1000,
        )
        created["enrolments"] += len(picked)
        org_admin = User.objects.filter(role_grants__role=Role.ORG_ADMIN, is_active=True).first()
        if org_admin is not None and status == ClassStatus.ENROLLING:
            from peixun.training.services_allocation import allocation_run

            allocation_run(actor=org_admin, training_class=cls)
            created["allocations"] += 1
