"""Training in a real browser: an admin creates a class and a lecture, enrols trainees from Excel,
allocates venues, downloads the sign-in sheet (names extractable from the PDF), and a trainee checks in
with the code the venue projects."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from peixun.org.tests.factories import cadre_user
from peixun.training.models import CheckIn, Enrolment, TrainingClass
from peixun.training.tests.factories import OfficeFactory, PlanFactory, VenueFactory
from tests.browser.conftest import login


@pytest.mark.browser
def test_an_admin_runs_a_class_and_a_trainee_checks_in(
    browser, page, live_server, tree, org_admin, trainee_a1, venue_operator_a1, tmp_path: Path
):
    PlanFactory()
    OfficeFactory(name="综合工作教研室")
    VenueFactory(unit=tree.province, is_main=True, name="省纪委主会场", seats=60)
    VenueFactory(unit=tree.county_a1, name="甲一县分会场", seats=30)
    colleague = cadre_user(unit=tree.county_a1, name="刘晓明").cadre
    sheet = tmp_path / "名单.xlsx"
    wb = Workbook()
    wb.active.append(["工号", "姓名"])
    for cadre in (trainee_a1.cadre, colleague):
        wb.active.append([cadre.employee_number, cadre.name])
    wb.save(sheet)

    login(page, live_server.url, org_admin.username)
    page.goto(f"{live_server.url}/training/classes/new/")
    today = timezone.localdate()
    page.select_option("#id_plan", index=1)
    page.select_option("#id_office", label="综合工作教研室")
    page.fill("#id_title", "党纪学习教育专题辅导班")
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_end_date", (today + dt.timedelta(days=1)).isoformat())
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/training/classes/\d+/$"))
    cls = TrainingClass.objects.get(title="党纪学习教育专题辅导班")

    page.click("text=新增课次")
    starts = timezone.localtime() + dt.timedelta(minutes=5)
    page.fill("#id_topic", "新时代纪检监察工作")
    page.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_teacher_name", "王教授")
    page.select_option("#id_main_venue", label="省纪委主会场")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/training/classes/{cls.pk}/")
    page.click("text=推进至“已发布”")
    assert "状态已改为“已发布”" in page.content()

    page.set_input_files("input[type=file]", str(sheet))
    page.click("#import")
    assert "导入完成：报名2人，候补0人" in page.content()
    page.click("#allocate")
    page.wait_for_url(f"**/training/classes/{cls.pk}/allocation/")
    assert "分配完成：安排2人" in page.content()
    with page.expect_download() as download:
        page.click("text=下载签到表（PDF）")
    pdf = tmp_path / "signin.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert trainee_a1.cadre.name in text and "刘晓明" in text and "签到表" in text

    # The venue operator projects the code; the trainee's phone opens it and confirms.
    lecture = cls.lectures.get()
    venue_id = Enrolment.objects.get(cadre=trainee_a1.cadre).venue_id
    operator = browser.new_context(locale="zh-CN").new_page()
    login(operator, live_server.url, venue_operator_a1.username)
    operator.goto(f"{live_server.url}/training/lectures/{lecture.pk}/projector/{venue_id}/")
    checkin_url = operator.get_attribute("#checkin-url", "href")
    phone = browser.new_context(locale="zh-CN").new_page()
    login(phone, live_server.url, trainee_a1.username)
    phone.goto(checkin_url)
    phone.click("#do-checkin")
    assert "签到成功" in phone.inner_text("#checkin-result")
    assert CheckIn.objects.get(cadre=trainee_a1.cadre, lecture=lecture).method == "qr"
