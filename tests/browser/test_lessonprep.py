"""Collective lesson preparation in the browser: an author, two members and the director end with a
signed-off version whose diff and comments are visible; hostile markup stays inert; another office's
member is kept out."""

from __future__ import annotations

import pytest

from peixun.offices.models import OfficeMembership, OfficeRole, ResearchOffice
from peixun.offices.models_prep import LessonPrep
from peixun.offices.tests.test_lessonprep import XSS
from peixun.org.tests.factories import cadre_user
from tests.browser.conftest import login


def switch(page, base: str, user) -> None:
    page.context.clear_cookies()
    login(page, base, user.username)


def member_of(office: ResearchOffice, unit, name: str, role: str = OfficeRole.MEMBER):
    user = cadre_user(unit=unit, name=name)
    OfficeMembership.objects.create(office=office, cadre=user.cadre, role=role)
    return user


@pytest.mark.browser
def test_an_author_two_members_and_the_director_end_with_a_signed_off_version(
    page, live_server, tree, office, office_director, office_member
):
    base = live_server.url
    author = member_of(office, tree.department, "主备人张")
    second = member_of(office, tree.city_b, "成员李")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # The author drafts two sections in the browser editor.
    login(page, base, author.username)
    page.goto(f"{base}/offices/{office.pk}/")
    page.click("#new-prep")
    page.fill("#id_title", "纪法贯通专题讲稿")
    first = page.locator(".prep-section").nth(0)
    first.locator("input[name=section_title]").fill("一、问题的提出")
    first.locator(".prep-editor").fill("坚持问题导向，推进纪法贯通。")
    page.click("#prep-add-section")
    added = page.locator(".prep-section").nth(1)
    added.locator("input[name=section_title]").fill("二、实践路径")
    added.locator(".prep-editor").fill("健全衔接机制。")
    page.click("#prep-save")
    page.wait_for_selector("text=备课稿已创建（第1版）")
    prep_url = page.url

    # A member comments on section one; another replies; the first proposes an edit to section two.
    switch(page, base, office_member)
    page.goto(prep_url)
    s0 = page.locator("#s0")
    s0.locator("summary").click()
    s0.locator(".comment-form textarea[name=body]").fill("建议补充典型案例")
    s0.locator(".comment-form button").click()
    page.wait_for_selector("text=意见已发表")
    s1 = page.locator("#s1")
    s1.locator("summary").click()
    s1.locator(".comment-form textarea[name=body]").fill("机制表述可更具体")
    s1.locator(".comment-form textarea[name=proposed_html]").fill("<p>健全纪法衔接工作机制，明确移送标准。</p>")
    s1.locator(".comment-form button").click()
    page.wait_for_selector("text=意见已发表")

    switch(page, base, second)
    page.goto(prep_url)
    page.locator("#s0 .reply-form input[name=body]").fill("同意，可用本省案例")
    page.locator("#s0 .reply-form button").click()
    page.wait_for_selector("text=意见已发表")

    # The author accepts the proposal (version 2), revises section one (version 3), records the meeting.
    switch(page, base, author)
    page.goto(prep_url)
    page.click("#s1 button.accept")
    page.wait_for_selector("text=已采纳，生成第2版")
    page.click("#edit-link")
    page.locator(".prep-section").nth(0).locator(".prep-editor").fill("坚持目标导向，推进纪法贯通，补充本省典型案例。")
    page.fill("input[name=note]", "按备课意见补充案例")
    page.click("#prep-save")
    page.wait_for_selector("text=已保存为第3版")
    page.fill("#meeting-form input[name=held_on]", "2026-05-08")
    for user in (author, office_member, second, office_director):
        page.check(f"#meeting-form input[value='{user.cadre_id}']")
    page.fill("#meeting-form textarea[name=conclusions]", "同意按第3版定稿")
    page.click("#meeting-form button")
    page.wait_for_selector("text=备课会记录已保存")

    # The director signs off.
    switch(page, base, office_director)
    page.goto(prep_url)
    page.click("#sign-off")
    page.wait_for_selector("text=已定稿（第3版）")
    assert page.inner_text("#prep-status") == "已定稿"
    assert page.query_selector("#sign-form") is None and page.query_selector(".comment-form") is None
    body = page.inner_text("main")
    for text in ("建议补充典型案例", "同意，可用本省案例", "机制表述可更具体", "已采纳", "同意按第3版定稿"):
        assert text in body

    # The diff between any two versions is readable.
    page.goto(prep_url + "diff/?a=1&b=3")
    assert page.inner_text("#s0" if page.query_selector("#s0") else "#diff")
    inserted = " ".join(page.locator("#diff ins").all_inner_texts())
    deleted = " ".join(page.locator("#diff del").all_inner_texts())
    assert "目标" in inserted and "问题" in deleted and "明确移送标准" in inserted

    # The signed version is the lecture's handout.
    page.goto(prep_url)
    page.click("#handout-link")
    assert "补充本省典型案例" in page.inner_text("#handout")
    with page.expect_download() as download:
        page.click("text=下载PDF")
    assert download.value.suggested_filename.endswith(".pdf")
    assert dialogs == []
    assert LessonPrep.objects.get().signed_version.number == 3


@pytest.mark.browser
def test_hostile_markup_in_drafts_and_comments_renders_inert_and_other_offices_are_kept_out(
    page, live_server, tree, office, office_member
):
    base = live_server.url
    author = member_of(office, tree.department, "主备人王")
    office_b = ResearchOffice.objects.create(code="XF", name="信访举报教研室", field="信访举报")
    outsider = member_of(office_b, tree.county_b1, "乙室成员", OfficeRole.DIRECTOR)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    login(page, base, author.username)
    page.goto(f"{base}/offices/{office.pk}/preps/new/")
    page.fill("#id_title", "安全测试讲稿")
    page.locator("input[name=section_title]").fill('<img src=x onerror="alert(1)">标题')
    # Post the corpus as raw markup, as a hostile client would (the editor itself would run it locally).
    page.eval_on_selector(
        ".prep-section",
        "(s, html) => { s.querySelector('.prep-editor').hidden = true; const t = s.querySelector('textarea');"
        " t.hidden = false; t.value = html; }",
        "".join(XSS) + "<p>正文</p>",
    )
    page.click("#prep-save")
    page.wait_for_selector("text=备课稿已创建（第1版）")
    prep_url = page.url

    switch(page, base, office_member)
    page.goto(prep_url)
    for payload in XSS[:4]:
        page.locator("#s0 summary").click()
        page.fill("#s0 .comment-form textarea[name=body]", payload)
        page.fill("#s0 .comment-form textarea[name=proposed_html]", payload)
        page.click("#s0 .comment-form button")
        page.wait_for_selector("text=意见已发表")
    page.wait_for_timeout(300)
    hostile = page.evaluate(
        """() => {
            const found = [];
            document.querySelectorAll('main *').forEach(el => {
                const tag = el.tagName.toUpperCase();
                if (['SCRIPT', 'IFRAME', 'IMG', 'SVG', 'OBJECT', 'EMBED'].includes(tag)) found.push(tag);
                for (const a of el.attributes) {
                    const value = a.value.trim().toLowerCase();
                    if (a.name.startsWith('on') || value.startsWith('javascript:')) found.push(a.name);
                }
            });
            return found;
        }"""
    )
    assert hostile == []
    assert "<script>alert('x')</script>" in page.inner_text("#s0 .threads")  # shown as text
    assert dialogs == []

    # Reopened in the author's editor, the stored draft stays inert too.
    switch(page, base, author)
    page.goto(prep_url + "edit/")
    page.wait_for_timeout(300)
    assert "点我" in page.inner_text(".prep-editor")
    assert dialogs == []

    # The director of another office cannot open, comment on or sign this office's draft.
    switch(page, base, outsider)
    response = page.goto(prep_url)
    assert response.status == 404
    response = page.goto(f"{base}/offices/{office.pk}/")
    assert response.status == 404
    page.goto(f"{base}/offices/")
    assert page.locator(f"a[href='/offices/{office.pk}/']").count() == 0
