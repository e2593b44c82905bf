"""The command behind `make run`: it stops every child on a signal, and everything when one child dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from peixun.core.stack import BASE_DIR, free_ports

pytestmark = pytest.mark.stack


def descendants(pid: int) -> set[int]:
    """Every live process below pid, from /proc (nginx workers and Celery pool processes included)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    still = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            still.add(pid)
    return still


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture
def supervisor(stack_env: dict[str, str], stack_static_root: Path, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    port, app_port, rtmp_port = free_ports(3)
    env = {
        **stack_env,
        "PEIXUN_VAR_DIR": str(tmp_path),
        "PEIXUN_STATIC_ROOT": str(stack_static_root),
        "PEIXUN_PORT": str(port),
        "PEIXUN_APP_PORT": str(app_port),
        "PEIXUN_RTMP_PORT": str(rtmp_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "peixun.core.stack"],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.port = port  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def wait_until_running(process: subprocess.Popen[str]) -> str:
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if "Ctrl-C stops everything" in line:
            return "".join(seen)
    pytest.fail("the stack never came up:\n" + "".join(seen))


def wait_gone(pids: set[int], seconds: float = 20) -> set[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def test_sigterm_stops_nginx_and_the_app_and_exits_cleanly(supervisor: subprocess.Popen[str]) -> None:
    banner = wait_until_running(supervisor)
    assert f"http://127.0.0.1:{supervisor.port}/" in banner  # type: ignore[attr-defined]
    with httpx.Client(trust_env=False) as http:
        assert http.get(f"http://127.0.0.1:{supervisor.port}/healthz").status_code == 200  # type: ignore[attr-defined]
    children = descendants(supervisor.pid)
    assert any("nginx: worker" in command_line(pid) for pid in children)
    assert any("uvicorn" in command_line(pid) for pid in children)

    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 0
    assert wait_gone(children) == set()


def test_when_one_child_dies_the_others_are_stopped_and_the_exit_code_says_so(
    supervisor: subprocess.Popen[str],
) -> None:
    wait_until_running(supervisor)
    children = descendants(supervisor.pid)
    app = next(pid for pid in children if "uvicorn" in command_line(pid))
    os.kill(app, signal.SIGKILL)

    assert supervisor.wait(timeout=30) == 1
    assert supervisor.stdout is not None
    assert "uvicorn exited" in supervisor.stdout.read()
    assert wait_gone(children) == set()
