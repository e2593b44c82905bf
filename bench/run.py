"""Runs the benchmarks: every bench/*.py except this file and files starting with "_", each in its own process.

    .venv/bin/python bench/run.py             # all of them
    .venv/bin/python bench/run.py allocation  # bench/allocation.py only (make bench NAME=allocation)

Each benchmark prints one line per figure (`<figure>: <value> (target ...; baseline ..., ratio ...)`);
this harness prints those lines under the benchmark's name and exits non-zero if any benchmark failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def discover(names: list[str]) -> list[Path]:
    found = sorted(p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_"))
    if not names:
        return found
    by_name = {p.stem: p for p in found}
    unknown = [n for n in names if n.removesuffix(".py") not in by_name]
    if unknown:
        known = ", ".join(by_name) or "none"
        sys.exit(f"bench: no benchmark named {', '.join(unknown)} (known: {known})")
    return [by_name[n.removesuffix(".py")] for n in names]


def run(path: Path, timeout: float) -> bool:
    print(f"== {path.stem}", flush=True)
    started = time.monotonic()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    process = subprocess.Popen(
        [sys.executable, str(path)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # A hung benchmark is killed, which also ends the read loop below.
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            print(f"   {line.rstrip()}", flush=True)
        code = process.wait()
    finally:
        timer.cancel()
    if timed_out.is_set():
        print(f"   FAILED: {path.stem} ran longer than {timeout:.0f} s", flush=True)
        return False
    seconds = time.monotonic() - started
    if code != 0:
        print(f"   FAILED: {path.stem} exited with code {code} after {seconds:.1f} s", flush=True)
        return False
    print(f"   ({seconds:.1f} s)", flush=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmark names (file names without .py)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per benchmark")
    args = parser.parse_args()
    benches = discover(args.names)
    if not benches:
        print("bench: no benchmarks in bench/")
        return 0
    failed = [p.stem for p in benches if not run(p, args.timeout)]
    if failed:
        print(f"bench: {len(failed)} of {len(benches)} failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"bench: {len(benches)} benchmark(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
