from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peixun.audit.models import AuditEvent
from peixun.exams import dedup
from peixun.exams.models import QuestionStatus
from peixun.exams.permissions import ERR_NOT_OFFICE_DIRECTOR, ERR_NOT_OFFICE_MEMBER
from peixun.exams.selectors import questions_visible
from peixun.exams.services import QuestionData, question_create, question_set_status, question_update
from peixun.exams.services.bank import (
    ERR_EDIT_ACTIVE,
    ERR_FILL_ANSWER,
    ERR_MULTIPLE_ANSWER,
    ERR_SHORT_REFERENCE,
    ERR_SINGLE_ANSWER,
    ERR_TF_ANSWER,
    ERR_TRANSITION,
)
from peixun.exams.tests.factories import OfficeFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def single(stem="下列哪一项属于党纪处分的种类？", **kw):
    return QuestionData(qtype="single", stem=stem, options=["警告", "罚款", "拘留", "降级"], answer="A", **kw)


def test_an_office_member_writes_a_draft_question(office, office_member):
    q = question_create(actor=office_member, office=office, data=single(knowledge_point="纪律处分", difficulty=2))
    assert q.status == QuestionStatus.DRAFT
    assert q.options[1] == {"key": "B", "text": "罚款"}
    assert AuditEvent.objects.filter(event="exams.question_create", object_id=str(q.pk)).exists()


def test_it_refuses_a_question_from_someone_outside_the_office(office, trainee_a1, org_admin):
    for actor in (trainee_a1, org_admin):
        with pytest.raises(PermissionDenied, match=ERR_NOT_OFFICE_MEMBER):
            question_create(actor=actor, office=office, data=single())


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (QuestionData(qtype="single", stem="题", options=["甲", "乙"], answer="C"), "answer", ERR_SINGLE_ANSWER),
        (
            QuestionData(qtype="multiple", stem="题", options=["甲", "乙", "丙"], answer=["A"]),
            "answer",
            ERR_MULTIPLE_ANSWER,
        ),
        (QuestionData(qtype="true_false", stem="题", answer="对"), "answer", ERR_TF_ANSWER),
        (QuestionData(qtype="fill_blank", stem="题", answer=[["甲"], []]), "answer", ERR_FILL_ANSWER),
        (QuestionData(qtype="short_answer", stem="题"), "reference_answer", ERR_SHORT_REFERENCE),
    ],
)
def test_it_rejects_an_answer_that_does_not_fit_the_type(office, office_member, data, field, message):
    with pytest.raises(ValidationError) as err:
        question_create(actor=office_member, office=office, data=data)
    assert err.value.message_dict[field] == [message]


def test_the_director_reviews_activates_and_retires(office, office_member, office_director):
    q = question_create(actor=office_member, office=office, data=single())
    with pytest.raises(PermissionDenied, match=ERR_NOT_OFFICE_DIRECTOR):
        question_set_status(actor=office_member, question=q, status=QuestionStatus.REVIEWED)
    with pytest.raises(ValidationError) as err:
        question_set_status(actor=office_director, question=q, status=QuestionStatus.ACTIVE)
    assert err.value.message_dict["status"] == [ERR_TRANSITION]
    for status in (QuestionStatus.REVIEWED, QuestionStatus.ACTIVE, QuestionStatus.RETIRED):
        q = question_set_status(actor=office_director, question=q, status=status)
        assert q.status == status
    assert q.reviewed_by == office_director


def test_an_active_question_cannot_be_edited_and_an_edit_needs_a_new_review(office, office_member, office_director):
    q = question_create(actor=office_member, office=office, data=single())
    question_set_status(actor=office_director, question=q, status=QuestionStatus.REVIEWED)
    q = question_update(actor=office_member, question=q, data=single(stem="修改后的题干：下列哪一项属于处分？"))
    assert q.status == QuestionStatus.DRAFT
    question_set_status(actor=office_director, question=q, status=QuestionStatus.REVIEWED)
    question_set_status(actor=office_director, question=q, status=QuestionStatus.ACTIVE)
    with pytest.raises(ValidationError) as err:
        question_update(actor=office_member, question=q, data=single())
    assert err.value.message_dict["status"] == [ERR_EDIT_ACTIVE]


def test_a_near_duplicate_stem_is_flagged_with_the_similar_question(office, office_member):
    original = question_create(
        actor=office_member, office=office, data=single("根据《中国共产党纪律处分条例》，党纪处分的种类有哪些？")
    )
    copy = question_create(
        actor=office_member, office=office, data=single("根据 中国共产党纪律处分条例 ，党纪处分的种类有哪些")
    )
    other = question_create(actor=office_member, office=office, data=single("监察机关的留置期限最长是多少？"))
    assert copy.similar_to == original and copy.similarity == 1.0
    assert other.similar_to is None and original.similar_to is None


def test_bigram_jaccard_matches_a_hand_count():
    # "abcd" → {ab, bc, cd}; "abce" → {ab, bc, ce}: 2 shared of 4 distinct.
    assert dedup.jaccard(dedup.bigrams("abcd"), dedup.bigrams("abce")) == 0.5
    assert dedup.normalise("Ａ，b c！") == "abc"
    index = dedup.StemIndex()
    index.extend([(1, "abcdefghij"), (2, "zzzzzzzzzz")])
    # One changed last letter: 8 shared of 10 distinct bigrams = 0.8, just at the threshold.
    assert index.most_similar("abcdefghik") == (1, 0.8)
    assert index.most_similar("abcdefgxyz") is None


def test_office_members_see_only_their_offices_questions(office, office_member, org_admin, trainee_a1):
    mine = QuestionFactory(office=office)
    theirs = QuestionFactory(office=OfficeFactory())
    assert list(questions_visible(actor=office_member)) == [mine]
    assert set(questions_visible(actor=org_admin)) == {mine, theirs}
    assert not questions_visible(actor=trainee_a1).exists()
