"""Unit import: check a whole file (parents may come earlier in the same file), then write it through
peixun.org.services (unit_create / unit_update keep Unit.path and depth right and audit each change).

Units number in the hundreds, so the whole tree is loaded once; rows never query one by one when checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from peixun.accounts.models import User
from peixun.org.imports import cells
from peixun.org.imports import messages as m
from peixun.org.imports.bulk import PROGRESS_EVERY, Problems, Progress
from peixun.org.imports.columns import UNIT_COLUMNS, Column
from peixun.org.imports.reader import Row
from peixun.org.models import Unit, UnitKind
from peixun.org.services import (
    ERR_HOST_NOT_CITY,
    ERR_HOST_REQUIRED,
    ERR_PARENT_CYCLE,
    ERR_PARENT_REQUIRED,
    unit_create,
    unit_update,
)

COL = {c.key: c for c in UNIT_COLUMNS}
HEADERS = [c.header for c in UNIT_COLUMNS]
KIND_LABELS = {label: value for value, label in UnitKind.choices}
PLAIN_FIELDS = ("name", "kind", "has_intranet", "address", "contact_name", "contact_phone")


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent: str
    has_intranet: bool
    host_unit: str
    address: str
    contact_name: str
    contact_phone: str


@dataclass
class UnitValidation:
    rows: list[UnitRow]
    errors: list[dict[str, object]]
    total: int


def _parse(number: int, raw: Row, problems: Problems) -> UnitRow:
    values: dict[str, object] = {}

    def cell(column: Column, parse: object) -> None:
        try:
            values[column.key] = parse()  # type: ignore[operator]
        except cells.CellError as exc:
            problems.add(number, column.header, exc.message)

    for key in ("code", "parent", "host_unit"):
        cell(COL[key], lambda key=key: cells.code(raw[key], COL[key]))
    for key in ("name", "address", "contact_name"):
        cell(COL[key], lambda key=key: cells.checked_text(raw[key], COL[key]))
    cell(COL["kind"], lambda: cells.choice(raw["kind"], COL["kind"], KIND_LABELS))
    cell(COL["has_intranet"], lambda: cells.yes_no(raw["has_intranet"], COL["has_intranet"], default=True))
    cell(COL["contact_phone"], lambda: cells.phone(raw["contact_phone"], COL["contact_phone"]))
    # A row with bad cells is still returned, so that rows naming it as parent learn it will not be written.
    defaults = {
        "code": "",
        "parent": "",
        "host_unit": "",
        "name": "",
        "address": "",
        "contact_name": "",
        "kind": "",
        "has_intranet": True,
        "contact_phone": "",
    }
    return UnitRow(row=number, **{**defaults, **values})  # type: ignore[arg-type]


def validate_units(*, actor: User, rows: Iterable[tuple[int, Row]], progress: Progress) -> UnitValidation:
    del actor  # only the organisation department imports units; the service checked that
    problems = Problems()
    existing = {u.code: u for u in Unit.objects.only("id", "code", "kind", "parent_id", "path")}
    code_of = {u.pk: u.code for u in existing.values()}
    parsed: list[UnitRow] = []
    total = 0
    for count, (number, raw) in enumerate(rows, start=1):
        total = count
        parsed.append(_parse(number, raw, problems))
        if count % PROGRESS_EVERY == 0:
            progress(count)
    progress(total)

    in_file: dict[str, UnitRow] = {}
    for r in parsed:
        if r.row not in problems.rows:
            _check_row(r, in_file, existing, problems)
        if r.code:
            in_file.setdefault(r.code, r)
    # The tree as it would be after the import: every unit's parent code.
    final_parent = {code: code_of.get(u.parent_id or 0, "") for code, u in existing.items()}
    for r in parsed:
        if r.row not in problems.rows:
            final_parent[r.code] = r.parent
    for r in parsed:
        if r.row not in problems.rows and r.parent and _reaches(final_parent, r.parent, r.code):
            problems.add(r.row, COL["parent"].header, ERR_PARENT_CYCLE)
    # A new unit whose parent (or host) row will not be written cannot be written either.
    # Rows are in file order and references point backwards, so one pass carries the failure down.
    for r in parsed:
        for key, message in (("parent", m.ERR_PARENT_ROW_INVALID), ("host_unit", m.ERR_HOST_ROW_INVALID)):
            ref = getattr(r, key)
            source = in_file.get(ref)
            if (
                ref
                and ref not in existing
                and source is not None
                and source.row in problems.rows
                and r.row not in problems.rows
            ):
                problems.add(r.row, COL[key].header, message)
    valid = [r for r in parsed if r.row not in problems.rows]
    return UnitValidation(rows=valid, errors=problems.sorted(HEADERS), total=total)


def _check_row(r: UnitRow, in_file: dict[str, UnitRow], existing: dict[str, Unit], problems: Problems) -> None:
    if r.code in in_file:
        problems.add(r.row, COL["code"].header, m.ERR_DUPLICATE_UNIT_CODE.format(row=in_file[r.code].row))
    if r.kind == UnitKind.PROVINCE and r.parent:
        problems.add(r.row, COL["parent"].header, m.ERR_PROVINCE_HAS_PARENT)
    elif r.kind != UnitKind.PROVINCE and not r.parent:
        problems.add(r.row, COL["parent"].header, ERR_PARENT_REQUIRED)
    elif r.parent == r.code:
        problems.add(r.row, COL["parent"].header, ERR_PARENT_CYCLE)
    elif r.parent and r.parent not in in_file and r.parent not in existing:
        problems.add(r.row, COL["parent"].header, m.ERR_PARENT_UNKNOWN)
    host_header = COL["host_unit"].header
    if r.host_unit:
        host_kind = (
            in_file[r.host_unit].kind
            if r.host_unit in in_file
            else (existing[r.host_unit].kind if r.host_unit in existing else None)
        )
        if r.host_unit == r.code:
            problems.add(r.row, host_header, m.ERR_HOST_SELF)
        elif r.host_unit in in_file and r.host_unit not in existing and in_file[r.host_unit].row in problems.rows:
            problems.add(r.row, host_header, m.ERR_HOST_ROW_INVALID)
        elif host_kind is None:
            problems.add(r.row, host_header, m.ERR_HOST_UNKNOWN)
        elif host_kind != UnitKind.CITY:
            problems.add(r.row, host_header, ERR_HOST_NOT_CITY)
    elif not r.has_intranet:
        problems.add(r.row, host_header, ERR_HOST_REQUIRED)


def _reaches(parents: dict[str, str], start: str, target: str) -> bool:
    """Whether walking up from `start` meets `target` (a cycle once target's parent is start)."""
    seen: set[str] = set()
    code = start
    while code and code not in seen:
        if code == target:
            return True
        seen.add(code)
        code = parents.get(code, "")
    return False


def apply_units(*, actor: User, rows: list[UnitRow], progress: Progress) -> tuple[list[Unit], list[Unit]]:
    """Write validated rows in file order (parents first), inside the caller's transaction."""
    units = Unit.objects.in_bulk(field_name="code")
    created: list[Unit] = []
    updated: list[Unit] = []
    for count, r in enumerate(rows, start=1):
        parent = units[r.parent] if r.parent else None
        host = units[r.host_unit] if r.host_unit else None
        fields = {key: getattr(r, key) for key in PLAIN_FIELDS}
        unit = units.get(r.code)
        if unit is None:
            unit = unit_create(actor=actor, code=r.code, parent=parent, host_unit=host, **fields)  # type: ignore[arg-type]
            units[unit.code] = unit
            created.append(unit)
        else:
            changes: dict[str, object] = {k: v for k, v in fields.items() if getattr(unit, k) != v}
            if unit.host_unit_id != (host.pk if host else None):
                changes["host_unit"] = host
            moves = parent is not None and parent.pk != unit.parent_id
            if changes or moves:
                unit_update(actor=actor, unit=unit, parent=parent if moves else None, **changes)
                updated.append(unit)
            if moves:
                # A moved subtree changes the paths of units later rows may name.
                units = Unit.objects.in_bulk(field_name="code")
        if count % PROGRESS_EVERY == 0:
            progress(count)
    progress(len(rows))
    return created, updated
