"""The pages and the API, per actor: what each sees and may do, exports and notices."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from peixun.org.tests.factories import cadre_user, grant
from peixun.secondment import services_during, services_placement
from peixun.secondment.models import BatchStatus, Secondment, SecondmentBatch, Stage
from peixun.secondment.tests.conftest import with_service
from peixun.secondment.tests.test_flow import approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise_admin(tree):
    return grant(cadre_user(unit=tree.enterprise, name="集团纪委管理员"), "unit_admin", tree.enterprise)


@pytest.fixture
def running(batch, posts, org_admin, county_b1_admin, trainee_b1):
    """B1's cadre seconded to the enterprise post, in progress."""
    with_service(trainee_b1)
    from peixun.secondment import services

    s = services.secondment_apply(
        actor=trainee_b1, batch=batch, statement="愿意到企业锻炼", preferences=[posts[0]], skills=["财务"]
    )
    approve(s, county_b1_admin, org_admin)
    services_placement.placement_run(actor=org_admin, batch=batch)
    services_placement.placement_confirm(actor=org_admin, batch=batch)
    services_placement.batch_start(actor=org_admin, batch=batch)
    return Secondment.objects.get(pk=s.pk)


def test_the_org_admin_creates_a_batch_with_its_matrix_through_the_page(client_of, org_admin):
    c = client_of(org_admin)
    assert "跨领域规则" in c.get("/secondment/batches/new/").content.decode()
    r = c.post(
        "/secondment/batches/new/",
        {
            "year": 2026,
            "title": "2026年度双向学习锻炼",
            "notice": "通知正文",
            "start_date": "2026-03-01",
            "end_date": "2026-08-31",
            "reference_date": "2026-03-01",
            "max_age": 50,
            "min_service_years": 2,
            "m_county_enterprise": "on",
            "m_enterprise_county": "on",
        },
    )
    batch = SecondmentBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/secondment/batches/{batch.pk}/"
    assert batch.matrix == {"county": ["enterprise"], "enterprise": ["county"]}


def test_bad_dates_on_the_batch_page_show_the_message_and_save_nothing(client_of, org_admin):
    r = client_of(org_admin).post(
        "/secondment/batches/new/",
        {
            "year": 2026,
            "title": "x",
            "start_date": "2026-03-01",
            "end_date": "2026-02-01",
            "reference_date": "2026-03-01",
            "max_age": 50,
            "min_service_years": 2,
        },
        follow=True,
    )
    assert "锻炼结束日期必须晚于开始日期" in r.content.decode()
    assert not SecondmentBatch.objects.exists()


def test_a_cadre_applies_through_the_page(client_of, batch, posts, trainee_b1):
    r = client_of(trainee_b1).post(
        f"/secondment/batches/{batch.pk}/apply/",
        {
            "statement": "希望锻炼",
            "skills": "财务，审查调查",
            "preference_1": posts[1].pk,
            "preference_2": posts[0].pk,
        },
        follow=True,
    )
    s = Secondment.objects.get()
    assert s.skills == ["财务", "审查调查"]
    assert [p.post_id for p in s.preferences.all()] == [posts[1].pk, posts[0].pk]
    body = r.content.decode()
    assert "报名已提交" in body and "未登记参加工作时间" in body


def test_a_preference_outside_the_batch_is_refused(client_of, batch, trainee_b1):
    other = SecondmentBatch.objects.create(
        year=2026,
        title="另一批",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 9, 1),
        reference_date=dt.date(2026, 3, 1),
    )
    from peixun.secondment.tests.factories import PostFactory

    foreign_post = PostFactory(batch=other)
    r = client_of(trainee_b1).post(
        f"/secondment/batches/{batch.pk}/apply/", {"statement": "x", "preference_1": foreign_post.pk}, follow=True
    )
    assert "所选岗位不属于本批次" in r.content.decode()
    assert not Secondment.objects.exists()


def test_a_unit_decision_is_put_forward_through_the_page(client_of, batch, county_b1_admin, trainee_b1):
    c = client_of(county_b1_admin)
    r = c.post(
        f"/secondment/batches/{batch.pk}/nominate/",
        {"cadre": trainee_b1.cadre_id, "channel": "unit_decided"},
        follow=True,
    )
    assert "单位研究推荐须附会议记录" in r.content.decode()
    c.post(
        f"/secondment/batches/{batch.pk}/nominate/",
        {"cadre": trainee_b1.cadre_id, "channel": "unit_decided", "meeting_record": "党组会研究同意"},
    )
    assert Secondment.objects.get().channel == "unit_decided"


def test_the_receiving_admin_sees_only_its_secondees_and_assesses_them(
    client_of, running, enterprise_admin, county_b1_admin, trainee_b1, tree
):
    # An A1 candidate who is not the enterprise's business.
    other = cadre_user(unit=tree.county_a1, name="甲一县候选人")
    Secondment.objects.create(batch=running.batch, cadre=other.cadre, sending_unit=tree.county_a1, channel="applied")
    c = client_of(enterprise_admin)
    api = c.get("/api/secondments/").json()
    assert [row["cadre_name"] for row in api["results"]] == [trainee_b1.cadre.name]
    assert c.get(f"/secondment/s/{running.pk}/").status_code == 200
    c.post(
        f"/secondment/s/{running.pk}/act/assessment/",
        {
            "period_kind": "month",
            "period": "2026-03",
            "rating": "excellent",
            "days_present": 21,
            "days_absent": 0,
            "comment": "很好",
        },
    )
    assert running.assessments.get().rating == "excellent"


def test_the_sending_admin_reads_assessments_but_cannot_change_them(
    client_of, running, enterprise_admin, county_b1_admin
):
    services_during.assessment_record(
        actor=enterprise_admin,
        secondment=running,
        period_kind="month",
        period="2026-03",
        rating="good",
        comment="接收单位评语",
    )
    c = client_of(county_b1_admin)
    page = c.get(f"/secondment/s/{running.pk}/").content.decode()
    assert "接收单位评语" in page and 'id="form-assessment"' not in page and 'id="form-appraisal"' not in page
    assert c.get("/api/secondment-assessments/").json()["count"] == 1
    r = c.post(
        f"/secondment/s/{running.pk}/act/assessment/",
        {"period_kind": "month", "period": "2026-04", "rating": "poor", "days_present": 0, "days_absent": 0},
    )
    assert r.status_code == 403
    assert running.assessments.count() == 1


def test_placement_page_notices_report_and_record(
    client_of, running, org_admin, tree, enterprise_admin, county_b1_admin, county_a1_admin, trainee_b1
):
    c = client_of(org_admin)
    page = c.get(f"/secondment/batches/{running.batch_id}/placement/").content.decode()
    assert "第一志愿；专业匹配 1/2" in page
    pdf = c.get(f"/secondment/batches/{running.batch_id}/notice/{tree.enterprise.pk}/")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "岗位安排通知" in text and trainee_b1.cadre.name in text and "你单位接收人员" in text
    # The enterprise's own admin gets its notice; another unit's admin does not.
    assert (
        client_of(enterprise_admin)
        .get(f"/secondment/batches/{running.batch_id}/notice/{tree.enterprise.pk}/")
        .status_code
        == 200
    )
    assert (
        client_of(county_a1_admin)
        .get(f"/secondment/batches/{running.batch_id}/notice/{tree.enterprise.pk}/")
        .status_code
        == 403
    )
    # Appraise and return, then the record shows the result.
    services_during.appraisal_record(actor=enterprise_admin, secondment=running, rating="excellent", comment="优秀")
    services_during.sending_opinion_record(actor=county_b1_admin, secondment=running, opinion="同意")
    client_of(county_b1_admin).post(f"/secondment/s/{running.pk}/act/return/", {"returned_at": "2026-08-31"})
    running.refresh_from_db()
    assert running.stage == Stage.COMPLETED
    record = client_of(county_b1_admin).get(f"/secondment/cadres/{trainee_b1.cadre_id}/record/").content.decode()
    assert "优秀" in record and running.batch.title in record
    own = client_of(trainee_b1).get(f"/secondment/cadres/{trainee_b1.cadre_id}/record/")
    assert own.status_code == 200
    report = c.get(f"/secondment/batches/{running.batch_id}/report/").content.decode()
    assert "ratings-chart" in report and "echarts.min.js" in report
    xlsx = c.get(f"/secondment/batches/{running.batch_id}/report.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["按单位统计", "考核等次分布", "人员名单"]
    assert ["优秀", 1] in [list(r) for r in wb["考核等次分布"].iter_rows(values_only=True)]
    roster = list(wb["人员名单"].iter_rows(values_only=True))
    assert roster[1][0] == trainee_b1.cadre.name and roster[1][9] == "优秀"
    # A county A admin's export holds none of B's rows.
    a_wb = load_workbook(
        io.BytesIO(client_of(county_a1_admin).get(f"/secondment/batches/{running.batch_id}/report.xlsx").content)
    )
    assert len(list(a_wb["人员名单"].iter_rows(values_only=True))) == 1


def test_the_org_admin_adjusts_a_placement_by_hand_on_the_page(
    client_of, batch, posts, org_admin, county_b1_admin, trainee_b1
):
    with_service(trainee_b1)
    from peixun.secondment import services

    s = approve(services.secondment_apply(actor=trainee_b1, batch=batch, statement="x"), county_b1_admin, org_admin)
    c = client_of(org_admin)
    c.post(f"/secondment/batches/{batch.pk}/placement/run/")
    r = c.post(f"/secondment/s/{s.pk}/place/", {"post": posts[2].pk}, follow=True)
    assert "无符合跨领域规则的岗位" in r.content.decode()
    c.post(f"/secondment/s/{s.pk}/place/", {"post": posts[1].pk})
    s.refresh_from_db()
    assert s.pinned and s.post == posts[1]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PLACING


def test_busy_pages_do_not_grow_queries_with_the_candidates(
    client_of, batch, posts, org_admin, tree, django_assert_max_num_queries
):
    from peixun.secondment.models import Preference

    for i in range(30):
        cadre = cadre_user(unit=tree.county_b1 if i % 2 else tree.county_a1, name=f"候选人{i}").cadre
        s = Secondment.objects.create(
            batch=batch,
            cadre=cadre,
            sending_unit=cadre.unit,
            channel="applied",
            stage=Stage.APPROVED,
            post=posts[i % 2],
            receiving_unit=posts[i % 2].receiving_unit,
        )
        Preference.objects.create(secondment=s, post=posts[0], rank=1)
    c = client_of(org_admin)
    with django_assert_max_num_queries(15):
        assert c.get(f"/secondment/batches/{batch.pk}/candidates/").status_code == 200
    with django_assert_max_num_queries(15):
        assert c.get(f"/secondment/batches/{batch.pk}/placement/").status_code == 200
    with django_assert_max_num_queries(15):
        assert c.get(f"/secondment/batches/{batch.pk}/report/").status_code == 200


def test_a_sanction_is_recorded_on_the_page_and_an_attachment_is_downloaded(
    client_of, batch, county_b1_admin, trainee_b1, org_admin, trainee_a1, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    r = client_of(county_b1_admin).post(
        "/secondment/sanctions/",
        {"cadre": trainee_b1.cadre_id, "kind": "警告", "start_date": "2025-09-01", "end_date": "2026-09-01"},
        follow=True,
    )
    assert "处分记录已登记" in r.content.decode() and "警告" in r.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client_of(org_admin).post(
        f"/secondment/batches/{batch.pk}/attachments/",
        {"name": "选派通知.pdf", "file": SimpleUploadedFile("n.pdf", b"%PDF-1.4 notice")},
    )
    attachment = batch.attachments.get()
    r = client_of(trainee_a1).get(f"/secondment/attachments/{attachment.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 notice"


def test_the_api_lists_open_batches_with_their_posts(client_of, batch, posts, trainee_a1):
    data = client_of(trainee_a1).get("/api/secondment-batches/").json()
    assert data["count"] == 1
    assert {p["title"] for p in data["results"][0]["posts"]} == {p.title for p in posts}


def test_the_nominate_page_narrows_the_cadre_choices_by_name_or_employee_number(client_of, org_admin, trainee_b1):
    from django.urls import reverse

    from peixun.secondment.models import SecondmentBatch

    batch = SecondmentBatch.objects.first()
    if batch is None:
        import datetime as dt

        batch = SecondmentBatch.objects.create(
            year=2026, title="筛选测试", start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 8, 31),
            reference_date=dt.date(2026, 3, 1),
        )  # fmt: skip
    url = reverse("secondment:nominate", kwargs={"pk": batch.pk})
    client = client_of(org_admin)
    found = client.get(url, {"q": trainee_b1.cadre.employee_number}).content.decode()
    missed = client.get(url, {"q": "没有这个人"}).content.decode()
    assert trainee_b1.cadre.name in found
    assert trainee_b1.cadre.name not in missed
