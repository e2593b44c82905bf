"""What an account may do: its roles and the units and offices they reach, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peixun.accounts.roles import Role

if TYPE_CHECKING:
    from peixun.accounts.models import User
    from peixun.org.models import Unit


@dataclass(frozen=True)
class Grants:
    roles: frozenset[Role] = frozenset()
    admin_units: tuple[Unit, ...] = ()
    operator_units: tuple[Unit, ...] = ()
    member_office_ids: frozenset[int] = frozenset()
    director_office_ids: frozenset[int] = frozenset()
    own_unit_id: int | None = None
    labels: tuple[str, ...] = field(default=())

    @property
    def admin_paths(self) -> tuple[str, ...]:
        return tuple(u.path for u in self.admin_units)


def load_grants(user: User) -> Grants:
    from peixun.offices.models import OfficeMembership, OfficeRole

    if not user.is_authenticated or not user.is_active:
        return Grants()
    roles: set[Role] = set()
    admin_units: list[Unit] = []
    operator_units: list[Unit] = []
    for grant in user.role_grants.select_related("unit"):
        role = Role(grant.role)
        roles.add(role)
        if role == Role.UNIT_ADMIN and grant.unit is not None:
            admin_units.append(grant.unit)
        if role == Role.VENUE_OPERATOR and grant.unit is not None:
            operator_units.append(grant.unit)
    member_offices: set[int] = set()
    director_offices: set[int] = set()
    own_unit_id = None
    if user.cadre_id is not None:
        from peixun.org.models import Cadre

        own_unit_id = Cadre.objects.filter(pk=user.cadre_id).values_list("unit_id", flat=True).first()
        roles.add(Role.TRAINEE)
        for office_id, office_role in OfficeMembership.objects.filter(cadre_id=user.cadre_id).values_list(
            "office_id", "role"
        ):
            member_offices.add(office_id)
            roles.add(Role.OFFICE_MEMBER)
            if office_role == OfficeRole.DIRECTOR:
                director_offices.add(office_id)
                roles.add(Role.OFFICE_DIRECTOR)
    order = list(Role)
    return Grants(
        roles=frozenset(roles),
        admin_units=tuple(admin_units),
        operator_units=tuple(operator_units),
        member_office_ids=frozenset(member_offices),
        director_office_ids=frozenset(director_offices),
        own_unit_id=own_unit_id,
        labels=tuple(r.label for r in sorted(roles, key=order.index)),
    )
