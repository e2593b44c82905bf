from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.hashers import make_password

from peixun.accounts.models import RoleGrant, User
from peixun.org.models import Cadre, Unit, UnitKind

# Hashing once keeps factories fast; every factory account shares this test password.
TEST_PASSWORD = "Peixun#2026"
_HASH = make_password(TEST_PASSWORD)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.COUNTY
    parent = None
    has_intranet = True

    @classmethod
    def _create(cls, model_class: type[Unit], *args: object, **kwargs: object) -> Unit:
        unit = super()._create(model_class, *args, **kwargs)
        parent = unit.parent
        unit.path = (parent.path if parent else "") + Unit.path_segment(unit.pk)
        unit.depth = parent.depth + 1 if parent else 0
        unit.save(update_fields=["path", "depth"])
        return unit


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    employee_number = factory.Sequence(lambda n: f"E{n:06d}")
    name = factory.Sequence(lambda n: f"干部{n}")
    gender = "M"
    birth_date = dt.date(1985, 6, 1)
    unit = factory.SubFactory(UnitFactory)
    position = "科员"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = _HASH
    password_changed_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


def cadre_user(*, unit: Unit, name: str | None = None, **cadre_fields: object) -> User:
    """A cadre with the login that every cadre has."""
    cadre = CadreFactory(unit=unit, **({"name": name} if name else {}), **cadre_fields)
    return UserFactory(username=cadre.employee_number, display_name=cadre.name, cadre=cadre)


def grant(user: User, role: str, unit: Unit | None = None) -> User:
    RoleGrant.objects.create(user=user, role=role, unit=unit)
    if "grants" in user.__dict__:
        del user.__dict__["grants"]
    return user
