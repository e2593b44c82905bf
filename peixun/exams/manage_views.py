"""Organiser pages: papers, exams, release, analysis; grader pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from peixun.accounts.models import User
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.exams import analysis, selectors, services
from peixun.exams.models import Attempt, AttemptStatus, PaperMode, Question, QuestionStatus, QuestionType, ResultsPolicy
from peixun.exams.permissions import ERR_NOT_ORGANISER, can_organise, require
from peixun.exams.services.papers import paper_draw, paper_max_score
from peixun.org.models import Cadre
from peixun.org.selectors import units_visible
from peixun.training.selectors import classes_visible

ERR_NUMBER = "请输入有效的数字"
ERR_UNKNOWN_PEOPLE = "找不到以下工号或账户：{names}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _decimal(value: str, default: str = "0") -> Decimal:
    try:
        return Decimal(value or default)
    except InvalidOperation:
        raise ValidationError({"points": ERR_NUMBER}) from None


def _int(value: str, field: str, default: int = 0) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        raise ValidationError({field: ERR_NUMBER}) from None


# --- Papers ----------------------------------------------------------------------------------------
@login_required
def paper_list_view(request: HttpRequest) -> HttpResponse:
    require(can_organise(request.user), ERR_NOT_ORGANISER)  # type: ignore[arg-type]
    papers = selectors.papers_visible(actor=request.user).annotate(n=Count("entries"), r=Count("rules"))  # type: ignore[arg-type]
    return render(request, "exams/paper_list.html", {"papers": papers[:200]})


@login_required
def paper_new_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(can_organise(actor), ERR_NOT_ORGANISER)  # type: ignore[arg-type]
    search = request.GET.get("q", "").strip()
    pool = Question.objects.filter(status=QuestionStatus.ACTIVE).select_related("office")
    if search:
        pool = pool.filter(Q(stem__icontains=search) | Q(knowledge_point=search))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        p = request.POST
        try:
            mode = p.get("mode", PaperMode.FIXED)
            entries, rules = [], []
            if mode == PaperMode.FIXED:
                chosen = Question.objects.in_bulk([int(x) for x in p.getlist("question") if x.isdigit()])
                entries = [(q, _decimal(p.get(f"points_{q.pk}", ""), "2")) for q in chosen.values()]
            else:
                for i in range(5):
                    count = _int(p.get(f"rule_count_{i}", ""), "rules")
                    if count:
                        rules.append(
                            services.RuleData(
                                qtype=p.get(f"rule_qtype_{i}", ""),
                                count=count,
                                points=_decimal(p.get(f"rule_points_{i}", ""), "2"),
                                knowledge_points=[k.strip() for k in p.get(f"rule_kp_{i}", "").split(",") if k.strip()],
                                difficulties=[
                                    int(d) for d in p.get(f"rule_diff_{i}", "").split(",") if d.strip().isdigit()
                                ],
                            )
                        )
            paper = services.paper_create(
                actor=actor,
                title=p.get("title", ""),
                mode=mode,
                entries=entries,
                rules=rules,  # type: ignore[arg-type]
                shuffle_questions=bool(p.get("shuffle_questions")),
                shuffle_options=bool(p.get("shuffle_options")),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "试卷已保存")
            return redirect("exams:paper_detail", pk=paper.pk)
    return render(
        request,
        "exams/paper_form.html",
        {
            "pool": pool[:200],
            "errors": errors,
            "types": QuestionType.choices,
            "q": search,
            "rule_rows": range(5),
        },
    )


@login_required
def paper_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The paper and a preview draw, with the key (the organiser's view)."""
    paper = selectors.paper_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    preview = paper_draw(paper)
    return render(
        request,
        "exams/paper_detail.html",
        {
            "paper": paper,
            "preview": preview,
            "max_score": paper_max_score(paper),
            "rules": paper.rules.all(),
        },
    )


# --- Exams -----------------------------------------------------------------------------------------
@login_required
def exam_manage_list_view(request: HttpRequest) -> HttpResponse:
    require(can_organise(request.user), ERR_NOT_ORGANISER)  # type: ignore[arg-type]
    exams = selectors.exams_managed(actor=request.user).annotate(n=Count("attempts"))  # type: ignore[arg-type]
    return render(request, "exams/exam_manage_list.html", {"exams": exams[:200]})


def _people(text: str) -> tuple[list[Cadre], list[User], list[str]]:
    names = [n.strip() for n in text.replace("，", ",").replace("\n", ",").split(",") if n.strip()]
    users = {u.username: u for u in User.objects.filter(username__in=names).select_related("cadre")}
    cadres = {c.employee_number: c for c in Cadre.objects.filter(employee_number__in=names)}
    unknown = [n for n in names if n not in users and n not in cadres]
    return list(cadres.values()), list(users.values()), unknown


@login_required
def exam_new_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    require(can_organise(actor), ERR_NOT_ORGANISER)  # type: ignore[arg-type]
    units = units_visible(actor=actor).order_by("path")  # type: ignore[arg-type]
    classes = classes_visible(actor=actor).order_by("-start_date", "-id")  # type: ignore[arg-type]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        p = request.POST
        try:
            cadres, _, unknown_c = _people(p.get("audience_cadres", ""))
            _, graders, unknown_g = _people(p.get("graders", ""))
            if unknown_c or unknown_g:
                raise ValidationError({"people": ERR_UNKNOWN_PEOPLE.format(names="、".join(unknown_c + unknown_g))})
            starts = parse_datetime(p.get("starts_at", ""))
            ends = parse_datetime(p.get("ends_at", ""))
            if starts is None or ends is None:
                raise ValidationError({"starts_at": ERR_NUMBER})
            tz = timezone.get_current_timezone()
            starts = timezone.make_aware(starts, tz) if timezone.is_naive(starts) else starts
            ends = timezone.make_aware(ends, tz) if timezone.is_naive(ends) else ends
            exam = services.exam_create(
                actor=actor,
                title=p.get("title", ""),  # type: ignore[arg-type]
                paper=selectors.paper_get(actor=actor, pk=_int(p.get("paper", ""), "paper")),  # type: ignore[arg-type]
                starts_at=starts,
                ends_at=ends,
                duration_minutes=_int(p.get("duration_minutes", ""), "duration_minutes"),
                attempts_allowed=_int(p.get("attempts_allowed", ""), "attempts_allowed", 1),
                pass_mark=_decimal(p.get("pass_mark", ""), "60"),
                results_policy=p.get("results_policy", ResultsPolicy.ON_RELEASE),
                audience_units=list(units.filter(pk__in=[int(x) for x in p.getlist("audience_units") if x.isdigit()])),
                audience_cadres=cadres,
                audience_classes=list(
                    classes.filter(pk__in=[int(x) for x in p.getlist("audience_classes") if x.isdigit()])
                ),
                graders=graders,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "考试已创建")
            return redirect("exams:exam_manage_detail", pk=exam.pk)
    now = timezone.localtime()
    return render(
        request,
        "exams/exam_form.html",
        {
            "papers": selectors.papers_visible(actor=actor)[:200],
            "units": units[:500],
            "classes": classes[:300],
            "errors": errors,  # type: ignore[arg-type]
            "policies": ResultsPolicy.choices,
            "initial": request.POST
            or {
                "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": 60,
                "attempts_allowed": 1,
                "pass_mark": 60,
            },
        },
    )


@login_required
def exam_manage_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = selectors.exam_managed_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    services.close_expired_attempts(exam_id=exam.pk)
    attempts = (
        Attempt.objects.filter(exam=exam)
        .select_related("cadre__unit")
        .annotate(leaves=Count("events", filter=Q(events__kind="leave")))
        .order_by("cadre__unit__path", "cadre_id")
    )
    counts = {s: attempts.filter(status=s).count() for s in AttemptStatus.values}
    return render(
        request,
        "exams/exam_manage_detail.html",
        {
            "exam": exam,
            "attempts": attempts[:500],
            "counts": counts,
            "ungraded": attempts.filter(status=AttemptStatus.SUBMITTED, graded=False).count(),
            "contest": getattr(exam, "contest", None) if hasattr(exam, "contest") else None,
        },
    )


@login_required
@require_POST
def exam_release_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = selectors.exam_managed_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        services.exam_release_results(actor=request.user, exam=exam)  # type: ignore[arg-type]
        messages.success(request, "成绩已发布")
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("exams:exam_manage_detail", pk=exam.pk)


@login_required
@require_POST
def contest_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = selectors.exam_managed_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        contest = services.contest_create(actor=request.user, exam=exam, title=request.POST.get("title", exam.title))  # type: ignore[arg-type]
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("exams:exam_manage_detail", pk=exam.pk)
    return redirect("exams:contest_detail", pk=contest.pk)


@login_required
def exam_analysis_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = selectors.exam_managed_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    services.close_expired_attempts(exam_id=exam.pk)
    return render(
        request,
        "exams/exam_analysis.html",
        {
            "exam": exam,
            "dist": analysis.score_distribution(exam),
            "items": analysis.exam_item_analysis(exam),
        },
    )


@login_required
def exam_analysis_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = selectors.exam_managed_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    dist, items = analysis.score_distribution(exam), analysis.exam_item_analysis(exam)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "成绩分布"
    ws.append(["单位", "人数", "平均分", "及格率"])
    for u in dist["units"]:
        ws.append([u["unit"], u["n"], u["mean"], u["pass_rate"]])
    ws.append([])
    ws.append(["分数段", "人数"])
    for label, n in dist["buckets"].items():
        ws.append([label, n])
    wi = wb.create_sheet("试题分析")
    wi.append(
        [
            "试题编号",
            "题型",
            "题干",
            "作答人数",
            "难度(得分率)",
            "区分度(点二列)",
            "区分度(高低分组27%)",
            "选项分布",
            "提示",
        ]
    )
    for s in items:
        wi.append(
            [
                s.question_id,
                QuestionType(s.qtype).label,
                s.stem[:200],
                s.n,
                s.p,
                s.r_pb,
                s.d_27,
                "；".join(f"{k}:{v}" for k, v in s.options.items()),
                "、".join(s.flags),
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    with transaction.atomic():
        audit_record(actor=request.user, event=Event.EXPORT, obj=exam, detail={"what": "analysis"})  # type: ignore[arg-type]
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''exam-{exam.pk}-analysis.xlsx"
    return response


# --- Grading ---------------------------------------------------------------------------------------
@login_required
def grading_list_view(request: HttpRequest) -> HttpResponse:
    exams = selectors.exams_to_grade(actor=request.user)  # type: ignore[arg-type]
    return render(request, "exams/grading_list.html", {"exams": exams})


@login_required
def grading_exam_view(request: HttpRequest, pk: int) -> HttpResponse:
    exam = selectors.exams_to_grade(actor=request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if exam is None:
        raise Http404
    services.close_expired_attempts(exam_id=exam.pk)
    items = list(selectors.grading_queue(actor=request.user, exam=exam)[:200])  # type: ignore[arg-type]
    return render(request, "exams/grading_exam.html", {"exam": exam, "items": items})


@login_required
@require_POST
def grading_item_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.grading_item_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        services.item_grade(
            actor=request.user,
            item_id=item.pk,  # type: ignore[arg-type]
            score=_decimal(request.POST.get("score", ""), "x"),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, "评分已保存")
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("exams:grading_exam", pk=item.attempt.exam_id)
