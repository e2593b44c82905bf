"""Every write to units and cadres. Each function checks permission first and runs atomically."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from peixun.accounts.models import User
from peixun.accounts.services import account_create_for_cadre
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.org import idnumber
from peixun.org.models import Cadre, CadreStatus, Unit, UnitKind
from peixun.org.permissions import ERR_OUT_OF_SCOPE, can_manage_cadres_in, can_manage_tree, require

ERR_UNIT_CODE_TAKEN = "单位编码已存在"
ERR_PARENT_CYCLE = "上级单位不能是本单位或其下级单位"
ERR_PARENT_REQUIRED = "除省纪委监委外，每个单位都必须有上级单位"
ERR_HOST_NOT_CITY = "驻地单位必须是市级纪委监委"
ERR_HOST_REQUIRED = "未接入内网的单位必须指定驻地市级纪委监委"
ERR_EMPLOYEE_NUMBER_TAKEN = "工号已存在"
ERR_ID_NUMBER_TAKEN = "身份证号已被其他干部使用"
ERR_ID_BIRTH_MISMATCH = "身份证号中的出生日期与出生日期不一致"
ERR_ID_GENDER_MISMATCH = "身份证号中的性别与性别不一致"


def _check_host(*, has_intranet: bool, host_unit: Unit | None) -> None:
    if host_unit is not None and host_unit.kind != UnitKind.CITY:
        raise ValidationError({"host_unit": ERR_HOST_NOT_CITY})
    if not has_intranet and host_unit is None:
        raise ValidationError({"host_unit": ERR_HOST_REQUIRED})


@transaction.atomic
def unit_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    has_intranet: bool = True,
    host_unit: Unit | None = None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    sort_order: int = 0,
) -> Unit:
    require(can_manage_tree(actor))
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": ERR_UNIT_CODE_TAKEN})
    if parent is None and kind != UnitKind.PROVINCE:
        raise ValidationError({"parent": ERR_PARENT_REQUIRED})
    _check_host(has_intranet=has_intranet, host_unit=host_unit)
    unit = Unit.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        has_intranet=has_intranet,
        host_unit=host_unit,
        address=address,
        contact_name=contact_name,
        contact_phone=contact_phone,
        sort_order=sort_order,
    )
    unit.path = (parent.path if parent else "") + Unit.path_segment(unit.pk)
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit_record(actor=actor, event=Event.UNIT_CREATE, obj=unit)
    return unit


UNIT_EDITABLE = ("name", "kind", "has_intranet", "host_unit", "address", "contact_name", "contact_phone", "sort_order")


@transaction.atomic
def unit_update(*, actor: User, unit: Unit, parent: Unit | None = None, **changes: object) -> Unit:
    """Change a unit's fields; a new `parent` moves the whole subtree with it."""
    require(can_manage_tree(actor))
    unknown = set(changes) - set(UNIT_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = {name: getattr(unit, name) for name in changes}
    for name, value in changes.items():
        setattr(unit, name, value)
    _check_host(has_intranet=unit.has_intranet, host_unit=unit.host_unit)
    unit.save()
    if parent is not None and parent.pk != unit.parent_id:
        if parent.path.startswith(unit.path):
            raise ValidationError({"parent": ERR_PARENT_CYCLE})
        old_path, new_path = unit.path, parent.path + Unit.path_segment(unit.pk)
        depth_change = parent.depth + 1 - unit.depth
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_change,
        )
        Unit.objects.filter(pk=unit.pk).update(parent=parent)
        unit.refresh_from_db()
        before["parent"] = str(unit.parent_id)
    audit_record(
        actor=actor,
        event=Event.UNIT_UPDATE,
        obj=unit,
        detail={"changed": sorted(before), "before": {k: str(v) for k, v in before.items()}},
    )
    return unit


@dataclass
class CadreData:
    """One cadre's fields as a form, the API or an import row gives them, already parsed."""

    employee_number: str
    name: str
    gender: str
    birth_date: dt.date
    unit: Unit
    position: str = ""
    rank: str = "staff"
    political_status: str = "party_member"
    phone: str = ""
    work_start_date: dt.date | None = None
    status: str = CadreStatus.ACTIVE
    id_number: str = ""

    def model_fields(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "id_number"}


def cadre_data_errors(data: CadreData, *, existing: Cadre | None = None) -> dict[str, str]:
    """Consistency rules shared by forms, the API and imports (field formats are checked by the caller)."""
    errors: dict[str, str] = {}
    taken = Cadre.objects.filter(employee_number=data.employee_number)
    if existing is not None:
        taken = taken.exclude(pk=existing.pk)
    if taken.exists():
        errors["employee_number"] = ERR_EMPLOYEE_NUMBER_TAKEN
    if data.id_number:
        message = idnumber.validate_id_number(data.id_number)
        if message:
            errors["id_number"] = message
        else:
            number = idnumber.normalise(data.id_number)
            if idnumber.birth_date_of(number) != data.birth_date:
                errors["id_number"] = ERR_ID_BIRTH_MISMATCH
            elif idnumber.gender_of(number) != data.gender:
                errors["id_number"] = ERR_ID_GENDER_MISMATCH
            else:
                same = Cadre.objects.filter(id_number_digest=idnumber.digest_id_number(number))
                if existing is not None:
                    same = same.exclude(pk=existing.pk)
                if same.exists():
                    errors["id_number"] = ERR_ID_NUMBER_TAKEN
    return errors


def apply_id_number(cadre: Cadre, id_number: str) -> None:
    if id_number:
        number = idnumber.normalise(id_number)
        cadre.set_id_number_fields(
            encrypted=idnumber.encrypt_id_number(number), digest=idnumber.digest_id_number(number), plain=number
        )


@transaction.atomic
def cadre_create(*, actor: User, data: CadreData) -> Cadre:
    require(can_manage_cadres_in(actor, data.unit), ERR_OUT_OF_SCOPE)
    errors = cadre_data_errors(data)
    if errors:
        raise ValidationError(errors)
    cadre = Cadre(**data.model_fields())
    apply_id_number(cadre, data.id_number)
    cadre.save()
    account_create_for_cadre(cadre=cadre)
    audit_record(actor=actor, event=Event.CADRE_CREATE, obj=cadre)
    return cadre


@transaction.atomic
def cadre_update(*, actor: User, cadre: Cadre, data: CadreData) -> Cadre:
    # Both the unit it leaves and the one it joins must be the actor's.
    require(can_manage_cadres_in(actor, cadre.unit), ERR_OUT_OF_SCOPE)
    require(can_manage_cadres_in(actor, data.unit), ERR_OUT_OF_SCOPE)
    errors = cadre_data_errors(data, existing=cadre)
    if errors:
        raise ValidationError(errors)
    changed = [k for k, v in data.model_fields().items() if getattr(cadre, k) != v]
    for name, value in data.model_fields().items():
        setattr(cadre, name, value)
    if data.id_number and idnumber.digest_id_number(data.id_number) != cadre.id_number_digest:
        apply_id_number(cadre, data.id_number)
        changed.append("id_number")
    cadre.save()
    if "employee_number" in changed and hasattr(cadre, "user"):
        User.objects.filter(pk=cadre.user.pk).update(username=cadre.employee_number)
    audit_record(actor=actor, event=Event.CADRE_UPDATE, obj=cadre, detail={"changed": changed})
    return cadre


@transaction.atomic
def cadre_set_status(*, actor: User, cadre: Cadre, status: CadreStatus, reason: str = "") -> Cadre:
    """Change a cadre's status (seconded, retired, transferred, back to active).

    Other apps' services call it on the actor's behalf (e.g. secondment start and return)."""
    require(can_manage_cadres_in(actor, cadre.unit), ERR_OUT_OF_SCOPE)
    before = cadre.status
    Cadre.objects.filter(pk=cadre.pk).update(status=status)
    cadre.status = status
    audit_record(
        actor=actor,
        event=Event.CADRE_UPDATE,
        obj=cadre,
        detail={"changed": ["status"], "before": before, "after": str(status), "reason": reason},
    )
    return cadre
