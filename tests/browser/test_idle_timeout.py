"""A page left open with a live poll does not keep the session alive; what the user does, does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peixun.accounts.models import Session
from tests.browser.conftest import login


def poll_headers(page, trigger: str) -> dict[str, str]:
    """Adds an htmx element with the given trigger to the page and returns the headers of its request."""
    with page.expect_request(lambda r: "/?probe=" in r.url) as request:
        page.evaluate(
            """trigger => {
                const el = document.createElement("div");
                el.id = "probe";
                el.setAttribute("hx-get", "/?probe=" + encodeURIComponent(trigger));
                el.setAttribute("hx-trigger", trigger);
                el.setAttribute("hx-swap", "none");
                document.body.appendChild(el);
                htmx.process(el);
                if (trigger === "click") el.click();
            }""",
            trigger,
        )
    page.evaluate("document.getElementById('probe').remove()")
    return request.value.all_headers()


@pytest.mark.browser
def test_htmx_polls_are_background_requests_and_clicks_are_not(page, live_server, trainee_a1):
    login(page, live_server.url, trainee_a1.username)
    assert poll_headers(page, "every 300ms").get("x-peixun-background") == "1"
    assert "x-peixun-background" not in poll_headers(page, "click")


@pytest.mark.browser
def test_a_poll_does_not_push_the_idle_expiry_on(page, live_server, trainee_a1):
    login(page, live_server.url, trainee_a1.username)
    soon = timezone.now() + dt.timedelta(seconds=40)
    session = Session.objects.get()
    data = session.get_decoded()
    data["_peixun_last_activity"] = 0
    Session.objects.filter(pk=session.pk).update(session_data=Session.objects.encode(data), expire_date=soon)
    poll_headers(page, "every 300ms")
    assert Session.objects.get().expire_date == soon
