"""Scope policy of the exams pages and API. The foreign exam, attempt, question and contest belong to
county B1 / another office; the own exam lists trainee A1 by name."""

from __future__ import annotations

from decimal import Decimal

from peixun.core.tests.scope import AUTHENTICATED, Endpoint, World

ORGANISER = frozenset({"org_admin"})
BANK_USERS = frozenset({"org_admin", "office_director", "office_member"})
OFFICE = frozenset({"office_director", "office_member"})
CADRES = AUTHENTICATED - {"system_admin", "security_admin", "audit_admin"}
NOBODY: frozenset[str] = frozenset()
RESULTS = frozenset({"org_admin", "city_a_admin", "county_a1_admin"})
FOREIGN_STEM = "乙室专用题干：派驻机构监督的重点对象是谁"
FOREIGN_EXAM = "乙一县专项考试"
FOREIGN_CONTEST = "乙一县练兵比武"


def build(world: World) -> None:
    from peixun.exams.models import AttemptItem, QuestionStatus
    from peixun.exams.services import attempt_start
    from peixun.exams.tests.factories import OfficeFactory, QuestionFactory, fixed_paper, one_of_each, open_exam
    from peixun.offices.models import ResearchOffice

    office = ResearchOffice.objects.get(code="ZH")
    own = one_of_each(office)
    draft = QuestionFactory(office=office, status=QuestionStatus.DRAFT, stem="本室草稿题：监督执纪四种形态")
    foreign_q = QuestionFactory(office=OfficeFactory(name="乙室"), stem=FOREIGN_STEM)
    paper = fixed_paper(list(own.values()))
    foreign_exam = open_exam(paper, title=FOREIGN_EXAM, units=[world.tree.county_b1], graders=[world.users["teacher"]])
    foreign_attempt = attempt_start(actor=world.foreign_user, exam=foreign_exam)
    own_exam = open_exam(paper, title="本人参加的考试", cadres=[world.users["trainee_a1"].cadre, world.foreign_cadre])
    own_attempt = attempt_start(actor=world.users["trainee_a1"], exam=own_exam)
    attempt_start(actor=world.foreign_user, exam=own_exam)  # B1's row must stay out of A's results
    from peixun.exams.services import contest_create

    contest = contest_create(actor=world.users["org_admin"], exam=foreign_exam, title=FOREIGN_CONTEST)
    from peixun.exams import images
    from peixun.exams.tests.factories import png_bytes

    # A stem image on a question of both papers (examinees, graders, practice and the bank see it), and
    # one on a question of another office that is neither in a paper nor open for practice.
    images.attach(own["single"], png_bytes(), "png")
    own["single"].save()
    foreign_image_q = QuestionFactory(office=foreign_q.office, stem="乙室图片题", for_practice=False)
    images.attach(foreign_image_q, png_bytes(), "png")
    foreign_image_q.save()
    world.extra.update(
        own_question=draft,
        foreign_question=foreign_q,
        image_question=own["single"],
        foreign_image_question=foreign_image_q,
        paper=paper,
        foreign_exam=foreign_exam,
        foreign_attempt=foreign_attempt,
        own_exam=own_exam,
        own_attempt=own_attempt,
        contest=contest,
        foreign_item=AttemptItem.objects.get(attempt=foreign_attempt, question=own["short_answer"]),
        points=Decimal(1),
    )


def pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


def foreign_exam_names(w):
    return [FOREIGN_EXAM]


def foreign_names(w):
    return [w.foreign_cadre.name]


ENDPOINTS = [
    # Examinees
    Endpoint("exams:home", allow=AUTHENTICATED, hidden=foreign_exam_names),
    Endpoint("exams:exam_detail", label="foreign", allow=NOBODY, kwargs=pk("foreign_exam")),
    Endpoint("exams:exam_detail", label="own", allow=frozenset({"trainee_a1"}), kwargs=pk("own_exam")),
    Endpoint("exams:exam_start", label="foreign", allow=NOBODY, method="POST", kwargs=pk("foreign_exam")),
    Endpoint("exams:exam_start", label="own", allow=frozenset({"trainee_a1"}), method="POST", kwargs=pk("own_exam")),
    Endpoint("exams:attempt", label="foreign", allow=NOBODY, kwargs=pk("foreign_attempt")),
    Endpoint("exams:attempt", label="own", allow=frozenset({"trainee_a1"}), kwargs=pk("own_attempt")),
    Endpoint("exams:attempt_result", label="foreign", allow=NOBODY, kwargs=pk("foreign_attempt")),
    Endpoint("exams-attempt-detail", label="foreign", allow=NOBODY, kwargs=pk("foreign_attempt")),
    Endpoint("exams-attempt-detail", label="own", allow=frozenset({"trainee_a1"}), kwargs=pk("own_attempt")),
    Endpoint("exams-attempt-answer", label="foreign", allow=NOBODY, method="POST", kwargs=pk("foreign_attempt")),
    Endpoint("exams-attempt-submit", label="foreign", allow=NOBODY, method="POST", kwargs=pk("foreign_attempt")),
    Endpoint("exams-attempt-events", label="foreign", allow=NOBODY, method="POST", kwargs=pk("foreign_attempt")),
    Endpoint(
        "exams-attempt-events",
        label="own",
        allow=frozenset({"trainee_a1"}),
        method="POST",
        kwargs=pk("own_attempt"),
        data=lambda w: {"kind": "leave", "detail": "blur"},
    ),
    Endpoint("exams-exam-list", allow=AUTHENTICATED, hidden=foreign_exam_names),
    Endpoint("exams-exam-detail", label="foreign", allow=NOBODY, kwargs=pk("foreign_exam")),
    Endpoint("exams-exam-detail", label="own", allow=frozenset({"trainee_a1"}), kwargs=pk("own_exam")),
    Endpoint("exams-exam-start", label="foreign", allow=NOBODY, method="POST", kwargs=pk("foreign_exam")),
    Endpoint("exams-exam-start", label="own", allow=frozenset({"trainee_a1"}), method="POST", kwargs=pk("own_exam")),
    # Question bank
    Endpoint("exams:question_list", allow=BANK_USERS, hidden=lambda w: [FOREIGN_STEM], hidden_from=OFFICE),
    Endpoint("exams:question_new", allow=OFFICE),
    Endpoint("exams:question_import", allow=OFFICE),
    Endpoint("exams:question_export", allow=BANK_USERS),
    Endpoint("exams:question_template", allow=BANK_USERS),
    Endpoint("exams:question_detail", label="foreign", allow=ORGANISER, kwargs=pk("foreign_question")),
    Endpoint("exams:question_detail", label="own", allow=BANK_USERS, kwargs=pk("own_question")),
    Endpoint("exams:question_image", label="foreign", allow=ORGANISER, kwargs=pk("foreign_image_question")),
    Endpoint("exams:question_image", label="own", allow=CADRES | BANK_USERS, kwargs=pk("image_question")),
    Endpoint("exams:question_edit", label="foreign", allow=NOBODY, kwargs=pk("foreign_question")),
    Endpoint("exams:question_edit", label="own", allow=OFFICE, kwargs=pk("own_question")),
    Endpoint(
        "exams:question_status",
        label="foreign",
        allow=NOBODY,
        method="POST",
        kwargs=pk("foreign_question"),
        data=lambda w: {"status": "retired"},
    ),
    Endpoint(
        "exams:question_status",
        label="own",
        allow=frozenset({"office_director"}),
        method="POST",
        kwargs=pk("own_question"),
        data=lambda w: {"status": "reviewed"},
    ),
    # Organiser
    Endpoint("exams:paper_list", allow=ORGANISER),
    Endpoint("exams:paper_new", allow=ORGANISER),
    Endpoint("exams:paper_detail", allow=ORGANISER, kwargs=pk("paper")),
    Endpoint("exams:exam_manage_list", allow=ORGANISER),
    Endpoint("exams:exam_new", allow=ORGANISER),
    Endpoint("exams:exam_manage_detail", allow=ORGANISER, kwargs=pk("foreign_exam")),
    Endpoint("exams:exam_release", allow=ORGANISER, method="POST", kwargs=pk("foreign_exam")),
    Endpoint(
        "exams:contest_create", allow=ORGANISER, method="POST", kwargs=pk("own_exam"), data=lambda w: {"title": "比武"}
    ),
    Endpoint("exams:exam_analysis", allow=ORGANISER, kwargs=pk("foreign_exam")),
    Endpoint("exams:exam_analysis_export", allow=ORGANISER, kwargs=pk("foreign_exam")),
    # Unit admins' results
    Endpoint("exams:results_list", allow=RESULTS, hidden=foreign_exam_names),
    Endpoint("exams:results_exam", label="foreign", allow=ORGANISER, kwargs=pk("foreign_exam")),
    Endpoint("exams:results_exam", label="own", allow=RESULTS, kwargs=pk("own_exam"), hidden=foreign_names),
    Endpoint("exams:results_export", label="foreign", allow=ORGANISER, kwargs=pk("foreign_exam")),
    Endpoint("exams:results_export", label="own", allow=RESULTS, kwargs=pk("own_exam")),
    # Graders
    Endpoint(
        "exams:grading_list", allow=AUTHENTICATED, hidden=foreign_exam_names, hidden_from=AUTHENTICATED - {"teacher"}
    ),
    Endpoint("exams:grading_exam", allow=frozenset({"teacher"}), kwargs=pk("foreign_exam")),
    Endpoint(
        "exams:grading_item",
        allow=frozenset({"teacher"}),
        method="POST",
        kwargs=pk("foreign_item"),
        data=lambda w: {"score": "1"},
    ),
    # Practice and contests
    Endpoint("exams:practice", allow=CADRES),
    Endpoint(
        "exams:practice_answer",
        allow=CADRES,
        method="POST",
        data=lambda w: {"question": w.foreign_question.pk, "answer": "A"},
    ),
    Endpoint("exams:mistakes", allow=CADRES),
    Endpoint("exams:contest_list", allow=AUTHENTICATED, hidden=lambda w: [FOREIGN_CONTEST]),
    Endpoint("exams:contest_detail", allow=ORGANISER, kwargs=pk("contest")),
    Endpoint("exams:contest_ranking", allow=ORGANISER, kwargs=pk("contest")),
]
