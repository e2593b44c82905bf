"""The chat component in a real Chromium, against config.asgi served by uvicorn (HTTP and websocket)."""

from __future__ import annotations

import pytest

from peixun.chat.services import message_send, room_open
from peixun.chat.tests.factories import enrol, make_lecture
from peixun.chat.tests.wsclient import session_cookie, uvicorn_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS_CORPUS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "<svg/onload=window.__xss=3>",
    '"><iframe src="javascript:window.__xss=4"></iframe>',
    '<a href="javascript:window.__xss=5">点我</a>',
    "{{7*7}} ${7*7} <b>粗体</b> &lt;escaped&gt; &amp;",
    "<style>body{display:none}</style>",
    "\u202e反向文字 <details open ontoggle=window.__xss=6>",
]


@pytest.fixture
def server():
    with uvicorn_thread(static=True) as base:
        yield base.replace("ws://", "http://")


@pytest.fixture
def lecture(office, teacher, trainee_a1, trainee_b1):
    lec = make_lecture(office=office, teacher=teacher)
    enrol(trainee_a1, lec)
    enrol(trainee_b1, lec)
    return lec


def open_room(browser, server, user, lecture):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    cookie = session_cookie(user).split("=", 1)[1]
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server}])
    page = context.new_page()
    page.set_default_timeout(15000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server}/chat/lectures/{lecture.pk}/")
    page.wait_for_selector("[data-chat-status]:has-text('已连接')")
    return context, page, dialogs


def say(page, text, question=False):
    page.fill("[data-chat-form] textarea", text)
    if question:
        page.check("[data-chat-question]")
    page.click("[data-chat-form] button[type=submit]")


def test_two_browsers_and_a_teacher_hold_a_class_conversation(
    browser, server, lecture, trainee_a1, trainee_b1, teacher
):
    ca, a, _ = open_room(browser, server, trainee_a1, lecture)
    cb, b, _ = open_room(browser, server, trainee_b1, lecture)
    ct, t, _ = open_room(browser, server, teacher, lecture)
    try:
        say(a, "老师好，大家好 😀")
        for p in (a, b, t):
            p.wait_for_selector("[data-chat-list] .chat-text:has-text('老师好，大家好 😀')")
        say(b, "第三章的案例怎么理解？", question=True)
        t.wait_for_selector("[data-chat-questions] .chat-text:has-text('第三章的案例怎么理解？')")
        a.click("[data-chat-questions] .chat-action:has-text('赞同')")
        t.wait_for_selector("[data-chat-questions] .badge:has-text('赞 1')")
        t.fill("[data-chat-questions] .chat-answer-input", "课后发讲义")
        t.click("[data-chat-questions] .chat-action:has-text('回答')")
        a.wait_for_selector("[data-chat-questions] .chat-answer:has-text('答：课后发讲义')")
        b.wait_for_selector("[data-chat-questions] .answered")
        # Fifteen sends in one tick of the page, far more than the burst of 5: sent one by one through
        # Playwright on a busy machine, the refill of 1/s kept up, and a later accepted send cleared the error.
        a.evaluate(
            """() => {
                const form = document.querySelector("[data-chat-form]");
                for (let i = 0; i < 15; i++) {
                    form.querySelector("textarea").value = "快速消息" + i;
                    form.dispatchEvent(new Event("submit", {cancelable: true}));
                }
            }"""
        )
        a.wait_for_selector("[data-chat-error]:has-text('发送太快了')")
        # What a stored, b receives: wait for the fan-out of the last accepted message before comparing.
        for _ in range(50):
            if a.locator("[data-chat-list] .chat-text").count() == b.locator("[data-chat-list] .chat-text").count():
                break
            b.wait_for_timeout(200)
        assert a.locator("[data-chat-list] .chat-text").count() == b.locator("[data-chat-list] .chat-text").count()
    finally:
        for c in (ca, cb, ct):
            c.close()


def test_xss_payloads_show_as_plain_text(browser, server, lecture, trainee_a1, trainee_b1, teacher):
    trainee_b1.display_name = '<img src=x onerror="window.__xss=9">乙'
    trainee_b1.save(update_fields=["display_name"])
    room = room_open(actor=teacher, lecture=lecture)
    for i, payload in enumerate(XSS_CORPUS[:4]):
        message_send(actor=trainee_b1, room=room, client_msg_id=f"x{i}", text=payload)
    ca, a, dialogs = open_room(browser, server, trainee_a1, lecture)  # history path
    cb, b, _ = open_room(browser, server, trainee_b1, lecture)
    try:
        for payload in XSS_CORPUS[4:]:  # live path, typed in a browser
            say(b, payload)
            b.wait_for_timeout(1100)  # within the rate limit
        a.wait_for_function(f"document.querySelectorAll('[data-chat-list] .chat-text').length === {len(XSS_CORPUS)}")
        shown = a.locator("[data-chat-list] .chat-text").all_text_contents()
        # Bidirectional overrides are dropped on the server (they can disguise text); the rest is verbatim.
        assert shown == [p.replace("\u202e", "").strip() for p in XSS_CORPUS]
        assert set(a.locator("[data-chat-list] .chat-sender").all_text_contents()) == {trainee_b1.display_name}
        assert a.evaluate("window.__xss") is None and dialogs == []
        assert (
            a.locator(
                "[data-chat-room] img, [data-chat-room] script, [data-chat-room] iframe, "
                "[data-chat-room] svg, [data-chat-room] a[href^=javascript], [data-chat-room] b"
            ).count()
            == 0
        )
        assert a.is_visible("body")
    finally:
        ca.close()
        cb.close()
