"""Through the real front door: nginx on a free port, proxying to uvicorn, against the pytest database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from peixun.core.stack import BASE_DIR, PortInUse, Stack, free_ports
from peixun.org.tests.factories import TEST_PASSWORD
from tests.stack.conftest import make_stack

pytestmark = pytest.mark.stack


def client(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.url, trust_env=False, timeout=15)


def log_in(http: httpx.Client, username: str) -> httpx.Response:
    page = http.get("/accounts/login/")
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the login page carries no CSRF token"
    return http.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": TEST_PASSWORD, "next": ""},
    )


def test_nginx_sends_an_anonymous_visitor_to_the_login_page(stack: Stack) -> None:
    with client(stack) as http:
        response = http.get("/")
    assert response.status_code == 302
    assert response.headers["location"].startswith("/accounts/login/")
    assert response.headers["server"] == "nginx"


def test_nginx_serves_static_files_itself_with_cache_headers(stack: Stack) -> None:
    with client(stack) as http:
        response = http.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=604800"
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.content == (Path(stack.static_root) / "vendor" / "htmx.min.js").read_bytes()


def test_uploads_are_reachable_only_through_x_accel_redirect(stack: Stack) -> None:
    secret = Path(stack.media_root) / "private.txt"
    secret.write_text("名单")
    with client(stack) as http:
        response = http.get("/protected/private.txt")
    assert response.status_code == 404
    assert "名单" not in response.text


def test_a_user_logs_in_through_nginx_and_reaches_the_home_page(
    stack: Stack, transactional_db: None, county_a1_admin
) -> None:
    with client(stack) as http:
        response = log_in(http, county_a1_admin.username)
        assert response.status_code == 302, response.text[:500]
        assert response.headers["location"] == "/"
        home = http.get("/")
    assert home.status_code == 200
    assert "甲一县纪委监委" in home.text
    assert "甲一县管理员" in home.text


def test_the_websocket_through_nginx_answers_a_logged_in_session_and_refuses_others(
    stack: Stack, transactional_db: None, trainee_a1
) -> None:
    with client(stack) as http:
        assert log_in(http, trainee_a1.username).status_code == 302
        session = http.cookies["sessionid"]
    ws_url = stack.url.replace("http://", "ws://") + "ws/ping/"
    origin = stack.url.rstrip("/")

    with connect(ws_url, origin=origin, additional_headers={"Cookie": f"sessionid={session}"}, proxy=None) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}

    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url, origin=origin, proxy=None)
    assert refused.value.response.status_code == 403


def test_a_second_stack_on_the_same_port_is_refused_before_anything_starts(
    stack: Stack, stack_env: dict[str, str], tmp_path: Path
) -> None:
    second = make_stack(stack_env, tmp_path, stack.static_root, port=stack.port)
    with pytest.raises(PortInUse) as refused:
        second.start()
    assert f"Port {stack.port} is already in use" in str(refused.value)
    assert "PEIXUN_PORT=" in str(refused.value)
    assert second.children == []
    assert not (tmp_path / "nginx" / "nginx.conf").exists()

    # The command behind `make run` says the same and exits non-zero.
    app_port, rtmp_port = free_ports(2)
    env = {
        **stack_env,
        "PEIXUN_VAR_DIR": str(tmp_path),
        "PEIXUN_PORT": str(stack.port),
        "PEIXUN_APP_PORT": str(app_port),
        "PEIXUN_RTMP_PORT": str(rtmp_port),
    }
    run = subprocess.run(
        [sys.executable, "-m", "peixun.core.stack"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert f"Port {stack.port} is already in use" in run.stderr
    assert "PEIXUN_PORT=" in run.stderr
    assert "Peixun is running" not in run.stdout

    with client(stack) as http:  # the first stack is untouched
        assert http.get("/healthz").json() == {"status": "ok"}


def test_a_busy_app_or_rtmp_port_names_its_own_variable(
    stack: Stack, stack_env: dict[str, str], tmp_path: Path
) -> None:
    for attribute, variable in (("app_port", "PEIXUN_APP_PORT"), ("rtmp_port", "PEIXUN_RTMP_PORT")):
        second = make_stack(stack_env, tmp_path, stack.static_root)
        setattr(second, attribute, stack.port)
        with pytest.raises(PortInUse, match=f"{variable}="):
            second.check_ports()


def test_the_generated_configuration_keeps_everything_inside_the_var_directory(stack: Stack) -> None:
    conf = stack.nginx_conf.read_text()
    assert not re.search(r"^\s*include\b", conf, re.M)  # nothing read from /etc/nginx
    assert f"pid {stack.nginx_dir}/nginx.pid;" in conf
    assert "client_max_body_size 25m;" in conf
    assert "application live" in conf
    assert (stack.nginx_dir / "nginx.pid").exists()
    # Every path is ours (so nginx also runs as an ordinary user), except the RTMP module itself.
    allowed = (str(stack.var_dir), str(stack.static_root), str(stack.media_root), "/usr/lib/nginx/modules/")
    lines = [line.split("#")[0] for line in conf.splitlines()]
    paths = [p for line in lines for p in re.findall(r"\s(/[^\s;]+)", line) if not p.startswith(("/static/", "/ws/"))]
    # URL prefixes of locations, not files (the live-teaching ones: HLS, replay, callbacks, the socket-only stat).
    urls = {"/", "/protected/", "/hls/", "/replay/", "/live/hooks/", "/stat", "/control"}
    paths = [p for p in paths if p not in urls]
    assert paths and all(p.startswith(allowed) for p in paths), paths
    # Both log families are set explicitly: their compiled-in defaults are under /var/log/nginx.
    assert f"access_log {stack.nginx_dir}/logs/access.log;" in conf
    assert f"access_log {stack.nginx_dir}/logs/rtmp-access.log peixun_rtmp;" in conf  # a format without the key


def test_the_app_keeps_an_idle_connection_from_nginx_open_longer_than_nginx_keeps_it(stack: Stack) -> None:
    # nginx reuses its idle upstream connections; were the app to close one first, nginx could send a
    # request down a connection being closed, and the user would get a 502.
    upstream = re.search(r"upstream peixun_app \{(.*?)\}", stack.nginx_conf.read_text(), re.S)
    assert upstream is not None
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;", upstream.group(1)).group(1))  # type: ignore[union-attr]
    argv = stack.uvicorn_argv()
    app_idle = int(argv[argv.index("--timeout-keep-alive") + 1])
    assert app_idle > nginx_idle
    # Beyond uvicorn's own default (5 s), a connection left idle still answers.
    limits = httpx.Limits(keepalive_expiry=30)  # httpx drops its own idle connections after 5 s
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.app_port}", timeout=10, limits=limits) as client:
        first = client.get("/healthz")
        time.sleep(6)
        second = client.get("/healthz")
        assert (first.status_code, second.status_code) == (200, 200)
        assert first.extensions["network_stream"] is second.extensions["network_stream"]  # the same connection
