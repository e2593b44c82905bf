"""Scope policy of the organisation pages and API. Objects used are in city B / county B1."""

from __future__ import annotations

from peixun.core.tests.scope import AUTHENTICATED, LOCAL_ROLES, PROVINCE_ADMINS, Endpoint

IMPORTERS = frozenset({"org_admin", "city_a_admin", "county_a1_admin"})
NOT_PROVINCE = LOCAL_ROLES | {"audit_admin"}


def foreign_names(w):
    return [w.foreign_cadre.name, w.foreign_cadre.employee_number]


def foreign_units(w):
    return [w.tree.county_b1.name, w.tree.city_b.name]


ENDPOINTS = [
    Endpoint("org:unit_tree", allow=AUTHENTICATED, hidden=foreign_units, hidden_from=NOT_PROVINCE),
    Endpoint(
        "org:unit_tree",
        label="search",
        allow=AUTHENTICATED,
        query=lambda w: {"q": "乙"},
        hidden=foreign_units,
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint("org:unit_detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.tree.county_b1.pk}),
    Endpoint("org:unit_children", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.tree.city_b.pk}),
    Endpoint("org:cadre_list", allow=AUTHENTICATED, hidden=foreign_names, hidden_from=NOT_PROVINCE),
    Endpoint(
        "org:cadre_list",
        label="search",
        allow=AUTHENTICATED,
        query=lambda w: {"q": w.foreign_cadre.name},
        # The search box echoes the name; the row would show the employee number.
        hidden=lambda w: [w.foreign_cadre.employee_number],
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint(
        "org:cadre_list", label="foreign-unit", allow=PROVINCE_ADMINS, query=lambda w: {"unit": w.tree.county_b1.pk}
    ),
    Endpoint("org:cadre_detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.foreign_cadre.pk}),
    Endpoint("org:import_start", allow=IMPORTERS),
    Endpoint("unit-list", allow=AUTHENTICATED, hidden=foreign_units, hidden_from=NOT_PROVINCE),
    Endpoint("unit-detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.tree.county_b1.pk}),
    Endpoint("cadre-list", allow=AUTHENTICATED, hidden=foreign_names, hidden_from=NOT_PROVINCE),
    Endpoint(
        "cadre-list",
        label="search",
        allow=AUTHENTICATED,
        query=lambda w: {"q": w.foreign_cadre.employee_number},
        hidden=lambda w: [w.foreign_cadre.name],
        hidden_from=NOT_PROVINCE,
    ),
    Endpoint("cadre-detail", allow=PROVINCE_ADMINS, kwargs=lambda w: {"pk": w.foreign_cadre.pk}),
]


# --- Excel import and export (peixun.org.imports) ----------------------------------------------------
# A job belongs to the admin who uploaded it; the organisation department sees every job; only the
# uploader starts the import. The job used here is a county-B1 admin's.
def build(world):
    from peixun.accounts.roles import Role
    from peixun.org.import_models import ImportJob, ImportKind, ImportStatus
    from peixun.org.tests.factories import cadre_user, grant

    b1 = world.tree.county_b1
    b1_admin = grant(cadre_user(unit=b1, name="乙一县导入管理员"), Role.UNIT_ADMIN, b1)
    world.extra["foreign_job"] = ImportJob.objects.create(
        kind=ImportKind.CADRES,
        actor=b1_admin,
        file="imports/missing.xlsx",
        original_name="乙一县干部.xlsx",
        status=ImportStatus.VALIDATED,
        total=1,
        processed=1,
        errors=[{"row": 2, "column": "身份证号", "message": "身份证号码校验位不正确"}],
    )


def _job(w):
    return {"pk": w.foreign_job.pk}


ENDPOINTS += [
    Endpoint("org:import_template", label="units", allow=frozenset({"org_admin"}), kwargs=lambda w: {"kind": "units"}),
    Endpoint("org:import_template", label="cadres", allow=IMPORTERS, kwargs=lambda w: {"kind": "cadres"}),
    Endpoint("org:import_job", allow=frozenset({"org_admin"}), kwargs=_job),
    Endpoint("org:import_job_status", allow=frozenset({"org_admin"}), kwargs=_job),
    Endpoint("org:import_job_errors", allow=frozenset({"org_admin"}), kwargs=_job),
    # Only the uploader starts an import; the organisation department sees but gets 403.
    Endpoint("org:import_job_apply", allow=frozenset(), method="POST", kwargs=_job),
    Endpoint("org:export_units", allow=IMPORTERS),
    Endpoint("org:export_cadres", allow=IMPORTERS),
    Endpoint(
        "org:export_cadres",
        label="foreign-unit",
        allow=frozenset({"org_admin"}),
        query=lambda w: {"unit": w.tree.county_b1.pk},
    ),
]
