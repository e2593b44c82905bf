"""The exam page in a real Chromium: answers saved as given, found again after a reload, and an answer given
while offline is kept in the browser and saved once the page is back."""

from __future__ import annotations

import pytest

from peixun.exams.models import Attempt, AttemptItem
from peixun.exams.tests.factories import fixed_paper, one_of_each, open_exam
from tests.browser.conftest import login


def wait_saved(page):
    """Nothing waits to be saved, and the page has compared itself with the server once since it loaded."""
    page.wait_for_function(
        "() => window.peixunExam && window.peixunExam.ready() && Object.keys(window.peixunExam.pending()).length === 0"
    )


@pytest.mark.browser
def test_an_examinee_reloads_mid_exam_and_finds_every_answer(page, live_server, office, tree, trainee_a1):
    bank = one_of_each(office)
    exam = open_exam(fixed_paper(list(bank.values()), shuffle_options=False), units=[tree.county_a1])
    login(page, live_server.url, trainee_a1.username)
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.click("#start")
    page.wait_for_selector("#exam-form")
    q = {k: f'[data-question="{v.pk}"]' for k, v in bank.items()}
    page.check(f'{q["single"]} input[value="C"]')
    page.check(f'{q["multiple"]} input[value="A"]')
    page.check(f'{q["multiple"]} input[value="C"]')
    page.check(f'{q["true_false"]} input[value="false"]')
    blanks = page.locator(f"{q['fill_blank']} input.blank")
    blanks.nth(0).fill("本级人大及其常委会")
    blanks.nth(1).fill("三")
    page.fill(f"{q['short_answer']} textarea", "惩前毖后，治病救人")
    page.locator(f"{q['short_answer']} textarea").blur()
    wait_saved(page)
    page.wait_for_timeout(1200)  # the typing debounce of the text answers
    wait_saved(page)
    assert "剩余时间" in page.content() and ":" in page.inner_text("#timer")

    page.reload()
    page.wait_for_selector("#exam-form")
    wait_saved(page)
    assert page.is_checked(f'{q["single"]} input[value="C"]')
    assert page.is_checked(f'{q["multiple"]} input[value="A"]') and page.is_checked(f'{q["multiple"]} input[value="C"]')
    assert not page.is_checked(f'{q["multiple"]} input[value="B"]')
    assert page.is_checked(f'{q["true_false"]} input[value="false"]')
    assert blanks.nth(0).input_value() == "本级人大及其常委会" and blanks.nth(1).input_value() == "三"
    assert page.input_value(f"{q['short_answer']} textarea") == "惩前毖后，治病救人"

    # Offline: the answer waits in localStorage and the page says so; after a reload it is saved.
    page.context.set_offline(True)
    page.check(f'{q["single"]} input[value="A"]')
    page.wait_for_function("() => document.getElementById('save-status').textContent.includes('网络异常')")
    page.context.set_offline(False)
    page.reload()
    page.wait_for_selector("#exam-form")
    wait_saved(page)
    assert page.is_checked(f'{q["single"]} input[value="A"]')
    attempt = Attempt.objects.get(exam=exam)
    item = AttemptItem.objects.get(attempt=attempt, question=bank["single"])
    assert (item.answer, item.seq) == ("A", 2)

    page.once("dialog", lambda d: d.accept())
    page.click("#submit-attempt")
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
    assert "成绩待公布" in page.content()
    attempt.refresh_from_db()
    assert attempt.status == "submitted"


@pytest.mark.browser
def test_text_typed_just_before_a_reload_is_kept(page, live_server, office, tree, trainee_a1):
    bank = one_of_each(office)
    exam = open_exam(fixed_paper([bank["short_answer"], bank["single"]]), units=[tree.county_a1])
    login(page, live_server.url, trainee_a1.username)
    page.goto(f"{live_server.url}/exams/{exam.pk}/")
    page.click("#start")
    page.wait_for_selector("#exam-form")
    wait_saved(page)
    box = f'[data-question="{bank["short_answer"].pk}"] textarea'
    page.fill(box, "坚持惩前毖后、治病救人")
    page.reload()  # within the typing pause: the answer has not been sent yet
    page.wait_for_selector("#exam-form")
    wait_saved(page)
    assert page.input_value(box) == "坚持惩前毖后、治病救人"
    item = AttemptItem.objects.get(attempt__exam=exam, question=bank["short_answer"])
    assert item.answer == "坚持惩前毖后、治病救人"
