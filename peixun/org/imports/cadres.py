"""Cadre import: check a whole file against the formats, the database and itself; then write it in bulk.

The consistency rules are those of peixun.org.services.cadre_data_errors (same messages), evaluated
against maps fetched in a few large queries, because a 10,000-row file must not cost 10,000 queries.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.db.models import Q
from django.utils import timezone

from peixun.accounts.models import User
from peixun.org import idnumber
from peixun.org.imports import cells
from peixun.org.imports import messages as m
from peixun.org.imports.bulk import PROGRESS_EVERY, Problems, Progress, chunks, param_budget
from peixun.org.imports.columns import CADRE_COLUMNS, Column
from peixun.org.imports.reader import Row
from peixun.org.models import Cadre, CadreStatus, Gender, PoliticalStatus, Rank, Unit
from peixun.org.permissions import can_manage_cadres_in
from peixun.org.services import (
    ERR_EMPLOYEE_NUMBER_TAKEN,
    ERR_ID_BIRTH_MISMATCH,
    ERR_ID_GENDER_MISMATCH,
    ERR_ID_NUMBER_TAKEN,
    CadreData,
    apply_id_number,
)

COL = {c.key: c for c in CADRE_COLUMNS}
HEADERS = [c.header for c in CADRE_COLUMNS]
LABELS = {
    "gender": {label: value for value, label in Gender.choices},
    "rank": {label: value for value, label in Rank.choices},
    "political_status": {label: value for value, label in PoliticalStatus.choices},
    "status": {label: value for value, label in CadreStatus.choices},
}
WRITTEN_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "unit",
    "position",
    "rank",
    "political_status",
    "phone",
    "work_start_date",
    "status",
]
ID_FIELDS = ["id_number_encrypted", "id_number_digest", "id_number_masked"]


@dataclass
class CadreRow:
    row: int
    data: CadreData
    existing: Cadre | None
    keep_id: bool  # the cell was blank or the masked form of the stored number: leave it alone


@dataclass
class CadreValidation:
    rows: list[CadreRow]
    errors: list[dict[str, object]]
    total: int


@dataclass
class _Parsed:
    row: int
    values: dict[str, object]


def _parse(number: int, raw: Row, problems: Problems) -> _Parsed:
    values: dict[str, object] = {}

    def cell(column: Column, parse: object) -> None:
        try:
            values[column.key] = parse()  # type: ignore[operator]
        except cells.CellError as exc:
            problems.add(number, column.header, exc.message)

    cell(COL["employee_number"], lambda: cells.code(raw["employee_number"], COL["employee_number"]))
    for key in ("name", "position", "unit"):
        cell(COL[key], lambda key=key: cells.checked_text(raw[key], COL[key]))
    for key, labels in LABELS.items():
        cell(COL[key], lambda key=key, labels=labels: cells.choice(raw[key], COL[key], labels))
    for key in ("birth_date", "work_start_date"):
        cell(COL[key], lambda key=key: cells.date(raw[key], COL[key]))
    cell(COL["phone"], lambda: cells.mobile(raw["phone"], COL["phone"]))
    number_text = idnumber.normalise(cells.text(raw["id_number"]))
    values["id_number"] = number_text
    # Checked and hashed once here; the look-ups and the row checks below reuse both.
    values["id_error"] = idnumber.validate_id_number(number_text) if number_text and "*" not in number_text else None
    values["id_digest"] = (
        idnumber.digest_id_number(number_text)
        if number_text and "*" not in number_text and not values["id_error"]
        else ""
    )
    birth, work = values.get("birth_date"), values.get("work_start_date")
    if isinstance(birth, dt.date) and isinstance(work, dt.date) and work < birth:
        problems.add(number, COL["work_start_date"].header, m.ERR_WORK_BEFORE_BIRTH)
    return _Parsed(number, values)


def _fetch(parsed: list[_Parsed]) -> tuple[dict[str, Unit], dict[str, Cadre], dict[str, Cadre], dict[str, User]]:
    """Units by code, cadres by employee number and by ID digest, accounts by username: a few queries."""
    codes = sorted({str(p.values["unit"]) for p in parsed if p.values.get("unit")})
    numbers = sorted({str(p.values["employee_number"]) for p in parsed if p.values.get("employee_number")})
    digests = sorted({str(p.values["id_digest"]) for p in parsed} - {""})
    budget = param_budget()
    units: dict[str, Unit] = {}
    for part in chunks(codes, budget):
        units.update((u.code, u) for u in Unit.objects.filter(code__in=part).only("id", "code", "path"))
    by_number: dict[str, Cadre] = {}
    by_digest: dict[str, Cadre] = {}
    half = max(1, budget // 2)
    steps = max(len(range(0, len(numbers), half)), len(range(0, len(digests), half)))
    for i in range(steps):
        condition = Q(employee_number__in=numbers[i * half : (i + 1) * half])
        condition |= Q(id_number_digest__in=digests[i * half : (i + 1) * half])
        for cadre in Cadre.objects.filter(condition):
            by_number[cadre.employee_number] = cadre
            if cadre.id_number_digest:
                by_digest[cadre.id_number_digest] = cadre
    # The cadres' units in one query (not a join per cadre row): scope checks need their paths.
    unit_ids = sorted({c.unit_id for c in by_number.values()})
    units_by_id: dict[int, Unit] = {}
    for id_part in chunks(unit_ids, budget):
        units_by_id.update((u.pk, u) for u in Unit.objects.filter(pk__in=id_part).only("id", "code", "path"))
    for cadre in by_number.values():
        cadre.unit = units_by_id[cadre.unit_id]
    accounts: dict[str, User] = {}
    for part in chunks(numbers, budget):
        accounts.update((u.username, u) for u in User.objects.filter(username__in=part).only("id", "username", "cadre"))
    return units, by_number, by_digest, accounts


def validate_cadres(*, actor: User, rows: Iterable[tuple[int, Row]], progress: Progress) -> CadreValidation:
    problems = Problems()
    parsed: list[_Parsed] = []
    for count, (number, raw) in enumerate(rows, start=1):
        parsed.append(_parse(number, raw, problems))
        if count % PROGRESS_EVERY == 0:
            progress(count)
    progress(len(parsed))
    units, by_number, by_digest, accounts = _fetch(parsed)
    first_number: dict[str, int] = {}
    first_digest: dict[str, int] = {}
    result: list[CadreRow] = []
    for p in parsed:
        v, row = p.values, p.row
        employee_number = str(v.get("employee_number") or "")
        existing = by_number.get(employee_number) if employee_number else None
        if employee_number:
            if employee_number in first_number:
                problems.add(
                    row,
                    COL["employee_number"].header,
                    m.ERR_DUPLICATE_EMPLOYEE_NUMBER.format(row=first_number[employee_number]),
                )
            else:
                first_number[employee_number] = row
            if existing is not None and not can_manage_cadres_in(actor, existing.unit):
                # Someone else's cadre: say no more than a single create would.
                problems.add(row, COL["employee_number"].header, ERR_EMPLOYEE_NUMBER_TAKEN)
                existing = None
            if employee_number in accounts and employee_number not in by_number:
                # A login of that name exists without a cadre (e.g. a system account).
                problems.add(row, COL["employee_number"].header, m.ERR_USERNAME_TAKEN)
        unit = units.get(str(v.get("unit") or ""))
        if v.get("unit") and (unit is None or not can_manage_cadres_in(actor, unit)):
            problems.add(row, COL["unit"].header, m.ERR_UNIT_UNKNOWN)
        keep_id = _check_id_number(p, existing, by_digest, first_digest, problems)
        if row in problems.rows:
            continue
        data = CadreData(
            employee_number=employee_number,
            name=str(v["name"]),
            gender=str(v["gender"]),
            birth_date=cast(dt.date, v["birth_date"]),
            unit=cast(Unit, unit),
            position=str(v["position"]),
            rank=str(v["rank"]),
            political_status=str(v["political_status"]),
            phone=str(v["phone"]),
            work_start_date=cast("dt.date | None", v["work_start_date"]),
            status=str(v["status"]),
            id_number="" if keep_id else str(v["id_number"]),
        )
        result.append(CadreRow(row=row, data=data, existing=existing, keep_id=keep_id))
    return CadreValidation(rows=result, errors=problems.sorted(HEADERS), total=len(parsed))


def _check_id_number(
    p: _Parsed, existing: Cadre | None, by_digest: dict[str, Cadre], first_digest: dict[str, int], problems: Problems
) -> bool:
    """Check the ID number cell; True when it leaves the stored number as it is."""
    header = COL["id_number"].header
    number = str(p.values.get("id_number") or "")
    if not number:
        return True
    if "*" in number:
        # An export masks the number; importing it back must change nothing.
        if existing is not None and existing.id_number_masked == number:
            return True
        problems.add(p.row, header, m.ERR_ID_MASKED)
        return False
    message = str(p.values["id_error"] or "")
    if message:
        problems.add(p.row, header, message)
        return False
    birth, gender = p.values.get("birth_date"), p.values.get("gender")
    if birth and idnumber.birth_date_of(number) != birth:
        problems.add(p.row, header, ERR_ID_BIRTH_MISMATCH)
        return False
    if gender and idnumber.gender_of(number) != gender:
        problems.add(p.row, header, ERR_ID_GENDER_MISMATCH)
        return False
    digest = str(p.values["id_digest"])
    holder = by_digest.get(digest)
    if holder is not None and holder.employee_number != p.values.get("employee_number"):
        problems.add(p.row, header, ERR_ID_NUMBER_TAKEN)
    if digest in first_digest:
        problems.add(p.row, header, m.ERR_DUPLICATE_ID_NUMBER.format(row=first_digest[digest]))
    else:
        first_digest[digest] = p.row
    return existing is not None and existing.id_number_digest == digest


def apply_cadres(*, rows: list[CadreRow], progress: Progress) -> tuple[list[Cadre], list[Cadre]]:
    """Write validated rows (inside the caller's transaction): bulk insert new cadres with their
    accounts, bulk update the changed ones. Returns (created, updated)."""
    now = timezone.now()
    created: list[Cadre] = []
    updated: list[Cadre] = []
    for count, r in enumerate(rows, start=1):
        if r.existing is None:
            cadre = Cadre(**r.data.model_fields())
            apply_id_number(cadre, r.data.id_number)
            created.append(cadre)
        else:
            cadre = r.existing
            changed = False
            for name, value in r.data.model_fields().items():
                if getattr(cadre, name) != value:
                    setattr(cadre, name, value)
                    changed = True
            if not r.keep_id and r.data.id_number:
                apply_id_number(cadre, r.data.id_number)
                changed = True
            if changed:
                cadre.updated_at = now
                updated.append(cadre)
        if count % PROGRESS_EVERY == 0:
            progress(count // 2)
    Cadre.objects.bulk_create(created, batch_size=500)
    Cadre.objects.bulk_update(updated, [*WRITTEN_FIELDS, *ID_FIELDS, "updated_at"], batch_size=500)
    progress(len(rows) // 2)
    User.objects.bulk_create([_account_for(cadre) for cadre in created], batch_size=500)
    progress(len(rows))
    return created, updated


def _account_for(cadre: Cadre) -> User:
    """The login every cadre gets, as peixun.accounts.services.account_create_for_cadre makes it
    (username = employee number, unusable password until the system admin issues one), built for
    one bulk insert instead of 10,000 single ones."""
    # set_unusable_password() draws 40 characters one by one; one call for the same kind of suffix is
    # much cheaper at 10,000 accounts.
    password = UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(UNUSABLE_PASSWORD_SUFFIX_LENGTH // 2)
    return User(username=cadre.employee_number, display_name=cadre.name, cadre=cadre, password=password)
