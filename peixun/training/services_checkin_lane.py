"""The check-in scan on the fast lane (`peixun.core.lane`): the same decision as `checkin_scan`, from
one lookup and one upsert over an async PostgreSQL connection, for the plain success only. Whatever is
not a plain success (a bad or stale code, another venue, not enrolled, not a trainee) returns None, and
the request goes on to `checkin_scan`, which refuses it with its message."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from peixun.accounts.models import User
from peixun.core.lane import LaneRequest, insert_params, insert_sql
from peixun.training.models import CheckIn, Lecture
from peixun.training.services_checkin import (
    MSG_DONE,
    SCAN_UPDATE_FIELDS,
    TOKEN_MAX_LENGTH,
    scan_lecture,
    scan_outcome,
    scan_params,
    scan_sql,
    token_slot,
)


@functools.cache
def _on_conflict() -> str:
    """What `checkin_scan`'s bulk_create(update_conflicts=True) does on an existing row."""
    q = connection.ops.quote_name
    columns = [q(str(CheckIn._meta.get_field(name).column)) for name in SCAN_UPDATE_FIELDS]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    return f"ON CONFLICT ({q('lecture_id')}, {q('cadre_id')}) DO UPDATE SET {updates}"


def _lecture_from_row(row: tuple[Any, ...], names: list[str]) -> Lecture:
    count = len(Lecture._meta.concrete_fields)
    lecture = Lecture.from_db("default", [f.attname for f in Lecture._meta.concrete_fields], row[:count])
    for name, value in zip(names[count:], row[count:], strict=True):
        setattr(lecture, name, value)
    return scan_lecture(lecture)


async def checkin_scan_lane(
    *, conn: Any, actor: User, lecture_id: int, venue_id: int, token: str, now: dt.datetime | None = None
) -> tuple[CheckIn, str] | None:
    """`checkin_scan` for a plain success; None for anything else."""
    now = now or timezone.now()
    if actor.cadre_id is None:
        return None
    try:
        slot = token_slot(lecture_id=lecture_id, venue_id=venue_id, token=token)
    except ValidationError:
        return None
    cursor = await conn.execute(scan_sql(), scan_params(lecture_id=lecture_id, cadre_id=actor.cadre_id))
    row = await cursor.fetchone()
    if row is None:
        return None
    found = _lecture_from_row(row, [d.name for d in cursor.description])
    if found.scan_enrolment_id is None:  # type: ignore[attr-defined]
        return None
    try:
        checkin, message = scan_outcome(actor=actor, found=found, venue_id=venue_id, slot=slot, now=now)
    except ValidationError:
        return None
    if message == MSG_DONE:
        sql, fields = insert_sql(CheckIn, 1, on_conflict=_on_conflict())
        await conn.execute(sql, insert_params([checkin], fields))
    return checkin, message


async def checkin_lane_view(lane: LaneRequest) -> dict[str, Any] | None:
    """POST /api/training/lectures/<pk>/checkin/ on the lane: the body CheckInSerializer accepts without
    coercion ({"venue": int, "token": str}), the answer the API's checkin action gives."""
    body = lane.body
    if not isinstance(body, dict) or set(body) != {"venue", "token"}:
        return None
    venue, token = body["venue"], body["token"]
    if type(venue) is not int or not isinstance(token, str) or not token or token != token.strip():
        return None
    if len(token) > TOKEN_MAX_LENGTH or not -(2**31) <= venue < 2**31:
        return None
    result = await checkin_scan_lane(
        conn=lane.conn, actor=lane.user, lecture_id=int(lane.params["pk"]), venue_id=venue, token=token
    )
    if result is None:
        return None
    checkin, message = result
    return {"status": checkin.status, "message": message}
