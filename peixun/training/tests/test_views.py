"""Pages end to end through the Django client: sheets, certificates, verification, check-in, coverage."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from peixun.org.tests.factories import cadre_user
from peixun.training.models import CheckIn, ClassStatus, Enrolment
from peixun.training.services_results import certificate_issue
from peixun.training.tests.factories import ClassFactory, EnrolmentFactory, LectureFactory, VenueFactory


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        return subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout


def test_the_sign_in_sheet_lists_the_venues_trainees_by_name(tree, org_admin, client_of):
    cls = ClassFactory(title="纪法衔接专题班")
    venue = VenueFactory(unit=tree.county_a1, name="甲一县分会场")
    people = [cadre_user(unit=tree.county_a1, name=n).cadre for n in ("张三", "李四")]
    elsewhere = cadre_user(unit=tree.county_b1, name="王五").cadre
    for c in people:
        EnrolmentFactory(training_class=cls, cadre=c, venue=venue)
    EnrolmentFactory(training_class=cls, cadre=elsewhere, venue=VenueFactory(unit=tree.county_b1))
    response = client_of(org_admin).get(reverse("training:signin_sheet", args=[cls.pk, venue.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "纪法衔接专题班 签到表" in text and "张三" in text and "李四" in text and "王五" not in text


def test_the_operator_of_another_venue_cannot_download_its_sheet(tree, venue_operator_a1, client_of):
    cls = ClassFactory()
    venue = VenueFactory(unit=tree.county_b1)
    assert (
        client_of(venue_operator_a1).get(reverse("training:signin_sheet", args=[cls.pk, venue.pk])).status_code == 403
    )
    own = VenueFactory(unit=tree.county_a1)
    assert client_of(venue_operator_a1).get(reverse("training:signin_sheet", args=[cls.pk, own.pk])).status_code == 200


def test_a_certificate_pdf_and_its_public_verification_page(tree, org_admin, trainee_a1, client_of, client):
    cls = ClassFactory(status=ClassStatus.FINISHED, title="监督检查业务培训班")
    lecture = LectureFactory(training_class=cls)
    e = EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre)
    CheckIn.objects.create(lecture=lecture, enrolment=e, cadre=e.cadre, status="present", method="qr", study_hours=2)
    cert = certificate_issue(actor=org_admin, enrolment=e)
    response = client_of(trainee_a1).get(reverse("training:certificate_pdf", args=[cert.pk]))
    text = pdf_text(response.content)
    assert "结业证书" in text and trainee_a1.cadre.name in text and cert.number in text
    page = client.get(reverse("training:verify", args=[cert.token])).content.decode()
    assert cert.number in page and trainee_a1.cadre.name in page and "真实有效" in page
    assert trainee_a1.cadre.employee_number not in page and tree.county_a1.name not in page
    assert client.get(reverse("training:verify", args=["made-up"])).status_code == 404
    other = cadre_user(unit=tree.county_a1)
    assert client_of(other).get(reverse("training:certificate_pdf", args=[cert.pk])).status_code == 404


def test_a_trainee_checks_in_from_the_projected_code(tree, org_admin, venue_operator_a1, trainee_a1, client_of):
    cls = ClassFactory()
    lecture = LectureFactory(training_class=cls, starts_at=timezone.now() + dt.timedelta(minutes=5))
    venue = VenueFactory(unit=tree.county_a1)
    EnrolmentFactory(training_class=cls, cadre=trainee_a1.cadre, venue=venue)
    projector = (
        client_of(venue_operator_a1)
        .get(reverse("training:projector", args=[lecture.pk, venue.pk]), {"format": "json"})
        .json()
    )
    assert projector["qr"].startswith("data:image/png;base64,")
    url = projector["url"].split("testserver", 1)[1]
    path, token = url.split("?t=")
    trainee = client_of(trainee_a1)
    response = trainee.post(path, {"t": token})
    assert "签到成功" in response.content.decode()
    assert CheckIn.objects.get(cadre=trainee_a1.cadre).method == "qr"
    api = trainee.post(f"/api/training/lectures/{lecture.pk}/checkin/", {"venue": venue.pk, "token": token})
    assert api.status_code == 200 and api.json()["message"] == "已签到，无需重复签到"
    forged = trainee.post(f"/api/training/lectures/{lecture.pk}/checkin/", {"venue": venue.pk, "token": "1.abc"})
    assert forged.status_code == 400 and forged.json()["error"]["fields"]["token"] == ["签到码无效"]


def test_excel_enrolment_and_allocation_through_the_pages(tree, org_admin, client_of):
    cls = ClassFactory()
    LectureFactory(training_class=cls)
    VenueFactory(unit=tree.county_a1)
    people = [cadre_user(unit=tree.county_a1).cadre for _ in range(3)]
    wb = Workbook()
    wb.active.append(["工号", "姓名"])
    for c in people:
        wb.active.append([c.employee_number, c.name])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "名单.xlsx"
    client = client_of(org_admin)
    response = client.post(reverse("training:enrol_import", args=[cls.pk]), {"file": buf}, follow=True)
    assert "导入完成：报名3人" in response.content.decode()
    response = client.post(reverse("training:allocate", args=[cls.pk]), follow=True)
    assert "分配完成：安排3人" in response.content.decode()
    assert Enrolment.objects.filter(venue__isnull=False).count() == 3


def test_the_coverage_page_and_its_excel_export(tree, city_a_admin, client_of):
    client = client_of(city_a_admin)
    page = client.get(reverse("training:coverage"))
    assert page.status_code == 200 and "全员培训" in page.content.decode()
    export = client.get(reverse("training:coverage_export"))
    wb = load_workbook(io.BytesIO(export.content))
    assert wb.sheetnames == ["覆盖率", "未参训人员", "月度趋势"]
    assert wb["覆盖率"]["A2"].value == tree.city_a.name


@pytest.mark.parametrize("name", ["training:class_list", "training:record", "training:notifications"])
def test_trainee_pages_render(name, trainee_a1, client_of):
    assert client_of(trainee_a1).get(reverse(name)).status_code == 200
