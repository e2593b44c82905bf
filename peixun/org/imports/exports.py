"""Exports of units and cadres as xlsx, in the import layout, cut to what the actor may see; audited."""

from __future__ import annotations

from django.db import transaction

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org import selectors
from peixun.org.import_models import ImportKind
from peixun.org.imports import workbooks
from peixun.org.models import Unit
from peixun.org.permissions import can_import_cadres, require


def _rows(queryset, make):  # type: ignore[no-untyped-def]
    for obj in queryset.iterator(chunk_size=2000):
        yield make(obj)


@transaction.atomic
def units_export(*, actor: User, query: str = "") -> tuple[bytes, int]:
    require(can_import_cadres(actor))
    # Ordered by path, parents come before their children, so the file imports again as it is.
    units = selectors.unit_search(actor=actor, query=query).order_by("path")
    count = units.count()
    data = workbooks.export(ImportKind.UNITS, _rows(units, workbooks.unit_row))
    audit_record(
        actor=actor,
        event=Event.EXPORT,
        object_type="org.unit",
        object_repr="单位导出",
        detail={"kind": ImportKind.UNITS, "count": count, "filters": {"q": query}},
    )
    return data, count


@transaction.atomic
def cadres_export(
    *, actor: User, query: str = "", unit: Unit | None = None, status: str = "", rank: str = ""
) -> tuple[bytes, int]:
    require(can_import_cadres(actor))
    cadres = selectors.cadre_list(actor=actor, query=query, unit=unit, status=status, rank=rank)
    count = cadres.count()
    data = workbooks.export(ImportKind.CADRES, _rows(cadres, workbooks.cadre_row))
    audit_record(
        actor=actor,
        event=Event.EXPORT,
        object_type="org.cadre",
        object_repr="干部导出",
        detail={
            "kind": ImportKind.CADRES,
            "count": count,
            "filters": {"q": query, "unit": unit.code if unit else "", "status": status, "rank": rank},
        },
    )
    return data, count
