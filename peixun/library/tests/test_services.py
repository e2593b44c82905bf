from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.models import AuditEvent
from peixun.library import selectors, services
from peixun.library.files import ERR_TOO_LARGE, absolute
from peixun.library.models import HandoutFile, ResourceStatus, Scope
from peixun.library.tests.factories import published, upload
from peixun.library.tests.samples import docx_bytes, pdf_bytes
from peixun.training.models import Enrolment, EnrolmentChannel


def test_a_teacher_uploads_a_handout_stored_under_a_random_name_outside_the_web_root(teacher, lecture):
    file = upload(teacher, lecture, name="../../第一讲.pdf")
    assert file.original_name == "第一讲.pdf"
    assert "第一讲" not in file.stored_path and ".." not in file.stored_path
    stored = absolute(file.stored_path)
    assert stored.read_bytes().startswith(b"%PDF-")
    assert file.text.strip() == "讲义正文"
    assert AuditEvent.objects.filter(event="library.handout_upload", object_id=str(file.handout_id)).exists()


def test_a_new_upload_of_the_same_handout_keeps_the_older_versions(teacher, lecture):
    first = upload(teacher, lecture, pdf_bytes("第一版"))
    second = upload(teacher, lecture, pdf_bytes("第二版"), handout=first.handout)
    versions = list(HandoutFile.objects.filter(handout=first.handout).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert first.stored_path != second.stored_path
    assert all(absolute(v.stored_path).exists() for v in versions)
    assert first.handout.current == second


def test_it_refuses_a_file_over_the_configured_size_limit(teacher, lecture, settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as info:
        upload(teacher, lecture, b"%PDF-1.4\n" + b"0" * (1024 * 1024))
    assert info.value.message_dict["file"] == [ERR_TOO_LARGE.format(mb=1)]
    assert not HandoutFile.objects.exists()


def test_a_trainee_may_not_upload_handouts(trainee_a1, lecture):
    with pytest.raises(PermissionDenied) as info:
        upload(trainee_a1, lecture)
    assert str(info.value) == services.ERR_NOT_HANDOUT_MANAGER


def test_the_office_organises_publishes_unpublishes_and_republishes_with_an_audit_trail(
    office_member, teacher, lecture, trainee_a1
):
    file = upload(teacher, lecture)
    resource = services.resource_save(
        actor=office_member, file=file, title="纪律审查讲义", summary="摘要", tags="审查，纪律", scope=Scope.ALL
    )
    assert resource.status == ResourceStatus.DRAFT
    assert sorted(resource.tags.values_list("name", flat=True)) == ["审查", "纪律"]
    assert not selectors.resources_visible(actor=trainee_a1).exists()
    services.resource_publish(actor=office_member, resource=resource)
    assert list(selectors.resources_visible(actor=trainee_a1)) == [resource]
    services.resource_unpublish(actor=office_member, resource=resource)
    assert not selectors.resources_visible(actor=trainee_a1).exists()
    services.resource_publish(actor=office_member, resource=resource)
    events = list(
        AuditEvent.objects.filter(object_id=str(resource.pk), object_type="library.resource")
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == [
        "library.resource_save",
        "library.resource_publish",
        "library.resource_unpublish",
        "library.resource_publish",
    ]


def test_a_teacher_outside_the_office_may_not_publish(teacher, lecture, county_a1_admin):
    file = upload(teacher, lecture)
    with pytest.raises(PermissionDenied):
        services.resource_save(actor=county_a1_admin, file=file, title="x")


def test_choosing_units_requires_at_least_one(org_admin, lecture, teacher):
    file = upload(teacher, lecture)
    with pytest.raises(ValidationError) as info:
        services.resource_save(actor=org_admin, file=file, title="x", scope=Scope.UNITS, units=[])
    assert info.value.message_dict["units"] == [services.ERR_UNITS_REQUIRED]


def test_visibility_scopes_decide_who_reads(tree, org_admin, teacher, lecture, trainee_a1, trainee_b1, office_director):
    everyone = published(org_admin, lecture, title="全员")
    provincial = published(org_admin, lecture, title="省直", scope=Scope.PROVINCIAL)
    city_b = published(org_admin, lecture, title="乙市", scope=Scope.UNITS, units=[tree.city_b])
    klass = published(org_admin, lecture, title="本班", scope=Scope.CLASS)
    Enrolment.objects.create(
        training_class=lecture.training_class, cadre=trainee_a1.cadre, channel=EnrolmentChannel.ORG_ADMIN
    )

    def titles(user):
        return sorted(r.title for r in selectors.resource_list(actor=user))

    assert titles(trainee_a1) == sorted([everyone.title, klass.title])
    assert titles(trainee_b1) == sorted([everyone.title, city_b.title])
    assert titles(teacher) == sorted([everyone.title, provincial.title])  # a cadre of the department
    assert len(titles(office_director)) == 4  # the class's office manages them all
    assert len(titles(org_admin)) == 4
    assert provincial.pk not in selectors.resources_visible(actor=trainee_a1).values_list("pk", flat=True)


def test_docx_text_is_extracted_for_search(teacher, lecture):
    file = upload(teacher, lecture, docx_bytes("第一段", "加强监督执纪问责"), name="讲义.docx")
    assert file.kind == "docx"
    assert "加强监督执纪问责" in file.text
