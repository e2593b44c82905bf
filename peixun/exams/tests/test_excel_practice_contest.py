from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from peixun.exams import excel
from peixun.exams.models import MistakeEntry, Question, QuestionStatus
from peixun.exams.selectors import contest_ranking, mistake_book
from peixun.exams.services import attempt_save_answer, attempt_start, attempt_submit, contest_create, practice_answer
from peixun.exams.services.bank import ERR_SINGLE_ANSWER, ERR_STEM_REQUIRED
from peixun.exams.tests.factories import QuestionFactory, fixed_paper, open_exam
from peixun.org.tests.factories import cadre_user

pytestmark = pytest.mark.django_db


def sheet(*rows):
    wb = Workbook()
    ws = wb.active
    ws.append(excel.COLUMNS)
    for row in rows:
        ws.append(list(row) + [""] * (len(excel.COLUMNS) - len(row)))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, office, content):
    return client.post(
        reverse("exams:question_import"),
        {
            "office": office.pk,
            "file": SimpleUploadedFile("q.xlsx", content),
        },
    )


def test_the_template_imports_as_it_is_and_exports_back(office, office_member, client_of):
    client = client_of(office_member)
    template = client.get(reverse("exams:question_template")).content
    response = upload(client, office, template)
    assert "已导入 5 道试题" in response.content.decode()
    by_type = {q.qtype: q for q in Question.objects.filter(office=office)}
    assert by_type["multiple"].answer == ["A", "C"] and by_type["true_false"].answer is True
    assert by_type["fill_blank"].answer == [["本级人民代表大会及其常务委员会", "本级人大及其常委会"], ["三", "3"]]
    assert by_type["short_answer"].scoring_points == [
        {"text": "惩前毖后", "score": 5.0},
        {"text": "治病救人", "score": 5.0},
    ]
    assert all(q.status == QuestionStatus.DRAFT for q in by_type.values())
    exported = load_workbook(io.BytesIO(client.get(reverse("exams:question_export")).content)).active
    rows = list(exported.iter_rows(values_only=True))
    assert rows[0][: len(excel.COLUMNS)] == tuple(excel.COLUMNS) and len(rows) == 6
    # What is exported imports again (and is flagged as duplicates of the bank).
    again = excel.read_sheet(client.get(reverse("exams:question_export")).content)
    assert not again.errors and len(again.rows) == 5


def test_a_sheet_with_one_bad_row_imports_nothing_and_names_row_and_column(office, office_member, client_of):
    content = sheet(
        ["单选题", "合格的题目", "甲", "乙", "", "", "", "", "A"],
        ["单选题", "答案越界的题目", "甲", "乙", "", "", "", "", "D"],
        ["判断题", "", "", "", "", "", "", "", "正确"],
        ["论述题", "未知题型"],
    )
    response = upload(client_of(office_member), office, content)
    body = response.content.decode()
    assert f"第3行“答案”列：{ERR_SINGLE_ANSWER}" in body
    assert f"第4行“题干”列：{ERR_STEM_REQUIRED}" in body
    assert "第5行“题型”列：题型无效" in body
    assert not Question.objects.exists()


def test_near_duplicates_are_flagged_on_import(office, office_member):
    existing = QuestionFactory(office=office, stem="根据监察法，留置时间最长不得超过几个月？")
    result = excel.read_sheet(
        sheet(
            ["单选题", "根据《监察法》，留置时间最长不得超过几个月", "一", "三", "", "", "", "", "B"],
            ["单选题", "完全不同的一道题目，关于巡视工作条例", "一", "三", "", "", "", "", "B"],
            ["单选题", "完全不同的一道题目：关于巡视工作条例。", "一", "三", "", "", "", "", "B"],
        )
    )
    from peixun.exams.services import questions_import

    report = questions_import(actor=office_member, office=office, rows=result.rows)
    assert report.flagged == [(2, existing.pk, None, 1.0), (4, None, 3, 1.0)]
    assert Question.objects.get(stem__startswith="根据《监察法》").similar_to == existing


def test_not_an_excel_file_is_refused_with_a_message(office, office_member, client_of):
    body = upload(client_of(office_member), office, b"plain text").content.decode()
    assert excel.ERR_NOT_XLSX in body


def test_practice_gives_feedback_and_the_mistake_book_keeps_a_question_until_answered_right(
    office, trainee_a1, client_of
):
    q = QuestionFactory(office=office)
    assert practice_answer(actor=trainee_a1, question=q, answer="A") is False
    assert practice_answer(actor=trainee_a1, question=q, answer="B") is False
    assert [m.wrong_count for m in mistake_book(actor=trainee_a1)] == [2]
    client = client_of(trainee_a1)
    page = client.get(reverse("exams:practice"), {"mode": "mistakes"}).content.decode()
    assert q.stem in page
    feedback = client.post(reverse("exams:practice_answer"), {"question": q.pk, "answer": "C"}).content.decode()
    assert "回答正确" in feedback and "依据条例第八条" in feedback
    assert not mistake_book(actor=trainee_a1).exists()
    assert MistakeEntry.objects.get(question=q).cleared_at is not None


def test_a_contest_ranks_cadres_by_score_then_time_and_units_by_mean(office, tree, org_admin, client_of):
    q1, q2 = QuestionFactory(office=office), QuestionFactory(office=office)
    exam = open_exam(fixed_paper([q1, q2]), units=[tree.province])
    contest = contest_create(actor=org_admin, exam=exam, title="全省练兵比武")
    people = [(tree.county_a1, ["C", "C"]), (tree.county_a1, ["C", "A"]), (tree.county_b1, ["C", "C"])]
    for unit, answers in people:
        user = cadre_user(unit=unit)
        attempt = attempt_start(actor=user, exam=exam)
        for q, a in zip((q1, q2), answers, strict=True):
            attempt_save_answer(actor=user, attempt_id=attempt.pk, question_id=q.pk, answer=a, seq=1)
        attempt_submit(actor=user, attempt_id=attempt.pk)
    ranking = contest_ranking(contest)
    assert [r["score"] for r in ranking["cadres"]] == [20, 20, 10]
    assert [(u["name"], u["mean"]) for u in ranking["units"]] == [
        (tree.county_b1.name, Decimal("20.00")),
        (tree.county_a1.name, Decimal("15.00")),
    ]
    partial = client_of(org_admin).get(reverse("exams:contest_ranking", args=[contest.pk])).content.decode()
    assert tree.county_b1.name in partial
