"""The running platform: nginx in front, the ASGI app under uvicorn behind it, a Celery worker with Redis.

`make run` calls `python -m peixun.core.stack`; tests build a `Stack` on free ports and stop it. The
module renders config/nginx/nginx.conf.template into <var>/nginx/, refuses ports already in use before
starting anything, starts the children in their own process groups, waits until /healthz answers
through nginx, and stops every child when asked (Ctrl-C, SIGTERM) or when any one of them dies.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import pwd
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType

BASE_DIR = Path(__file__).resolve().parents[2]
TEMPLATE = BASE_DIR / "config" / "nginx" / "nginx.conf.template"
NGINX = os.environ.get("PEIXUN_NGINX", "/usr/sbin/nginx")
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")

ERR_PORT_IN_USE = (
    "Port {port} is already in use (another program, or Peixun already running). "
    "Stop it, or choose another port: {var}={suggestion} make run"
)
ERR_PORT_TWICE = "Port {port} is given twice ({a} and {b}): each service needs its own port."
ERR_BAD_PORT = "{var} must be a port number between 1 and 65535, not {value!r}."
ERR_NO_NGINX = (
    "nginx with the RTMP module is not installed ({path} missing): "
    "run `make run` as root, or: apt-get install -y nginx libnginx-mod-rtmp"
)
ERR_NGINX_CONFIG = "The generated nginx configuration {path} is invalid:\n{output}"
ERR_DIED = "{name} exited with code {code} while starting.{log}"
ERR_TIMEOUT = "{what} did not answer within {seconds:.0f} s.{log}"
ERR_TLS_PAIR = "Set both PEIXUN_TLS_CERT and PEIXUN_TLS_KEY, or neither."
ERR_BAD_WORKERS = "PEIXUN_APP_WORKERS must be a whole number of at least 1 (or auto), not {value!r}."
ERR_WORKERS_NEED_REDIS = (
    "PEIXUN_APP_WORKERS={value} needs REDIS_URL: without Redis the chat, cache and jobs live inside one "
    "process. Set REDIS_URL, or leave PEIXUN_APP_WORKERS unset (one worker)."
)
MAX_AUTO_WORKERS = 4  # "auto": one uvicorn worker per core, at most this many
APP_KEEPALIVE_SECONDS = 75  # uvicorn keeps an idle connection from nginx open this long (nginx: 60)
DB_POOL_PER_WORKER = 8  # PostgreSQL connections each uvicorn worker keeps (PEIXUN_DB_POOL)

HEALTH_PATH = "/healthz"
HEALTHY = {200, 301, 302}  # a redirect (to HTTPS, say) still proves that Django answered


class StackError(Exception):
    """The stack cannot start; the message says what to do."""


class PortInUse(StackError):
    pass


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Can we listen there? SO_REUSEADDR as nginx and uvicorn use it, so TIME_WAIT is no conflict."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError:
            return False
    return True


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Distinct ports nobody listens on now (all held open together, so none is handed out twice)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _die_with_parent() -> None:
    # Linux: if this supervisor is killed outright, the child gets SIGTERM instead of living on.
    with suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def render(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values[match.group(1)]  # a KeyError names a placeholder nobody fills

    return re.sub(r"\{\{ *(\w+) *\}\}", value, template)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path | None


@dataclass(kw_only=True)
class Stack:
    port: int = 8000
    app_port: int = 8001
    rtmp_port: int = 1935
    host: str = "0.0.0.0"  # noqa: S104 - the front door serves the intranet; the app itself binds 127.0.0.1
    var_dir: Path
    static_root: Path
    media_root: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    log_dir: Path | None = None  # None: children write to this terminal
    celery: bool | None = None  # None: a worker when REDIS_URL is set
    app_workers: int = 1
    periodic: bool = False  # run the periodic jobs (celery beat with Redis, else peixun.core.tasks' loop)
    tls_cert: str = ""
    tls_key: str = ""
    behind_tls_proxy: bool = False  # TLS ends on a device in front that alone reaches our port
    children: list[Child] = field(default_factory=list)

    # --- configuration ---------------------------------------------------------------------
    @property
    def nginx_dir(self) -> Path:
        return Path(self.var_dir) / "nginx"

    @property
    def nginx_conf(self) -> Path:
        return self.nginx_dir / "nginx.conf"

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in {"0.0.0.0", ""} else self.host  # noqa: S104
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/"

    def wants_celery(self) -> bool:
        return bool(self.env.get("REDIS_URL")) if self.celery is None else self.celery

    def child_env(self) -> dict[str, str]:
        env = dict(self.env)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        env["PEIXUN_VAR_DIR"] = str(self.var_dir)
        env["PEIXUN_STATIC_ROOT"] = str(self.static_root)
        env["PEIXUN_MEDIA_ROOT"] = str(self.media_root)
        env["PYTHONUNBUFFERED"] = "1"
        env["PEIXUN_RTMP_PORT"] = str(self.rtmp_port)  # the publishing page shows the RTMP URL
        if self.tls or self.behind_tls_proxy:
            env.setdefault("PEIXUN_HTTPS", "1")
        return env

    def render_config(self) -> str:
        user_directive = ""
        if os.geteuid() == 0:
            # Debian's nginx would drop its workers to "nobody", who may not read the checkout.
            owner = pwd.getpwuid(BASE_DIR.stat().st_uid)
            user_directive = f"user {owner.pw_name};"
        tls = ""
        if self.tls:
            tls = (
                f"        ssl_certificate {self.tls_cert};\n"
                f"        ssl_certificate_key {self.tls_key};\n"
                "        ssl_protocols TLSv1.2 TLSv1.3;\n"
                "        ssl_session_cache shared:peixun_tls:10m;\n"  # HSTS comes from Django (PEIXUN_HSTS_SECONDS)
            )
        return render(
            TEMPLATE.read_text(encoding="utf-8"),
            {
                "user_directive": user_directive,
                "workers": self.env.get("PEIXUN_NGINX_WORKERS", "auto"),
                "nginx_dir": str(self.nginx_dir),
                "app_port": str(self.app_port),
                "listen": f"{self.host}:{self.port}",
                "listen_ssl": " ssl" if self.tls else "",
                "tls": tls,
                "static_root": str(Path(self.static_root).resolve()),
                "media_root": str(Path(self.media_root).resolve()),
                "rtmp_listen": f"{self.host}:{self.rtmp_port}",
                "forwarded_proto": "https" if self.behind_tls_proxy else "$scheme",
                **self.live_values(),
            },
        )

    # --- live teaching (peixun.live) ---------------------------------------------------------------
    @property
    def live_dir(self) -> Path:
        return Path(self.var_dir) / "live"  # peixun.live.conf.live_dir() in the app: the same place

    def live_secret_base(self) -> str:
        """What the app's peixun.live.conf.base_secret() will read: its own secret, else SECRET_KEY."""
        if self.env.get("PEIXUN_LIVE_TOKEN_SECRET"):
            return self.env["PEIXUN_LIVE_TOKEN_SECRET"]
        if self.env.get("DJANGO_SECRET_KEY"):
            return self.env["DJANGO_SECRET_KEY"]
        path = Path(self.var_dir) / "secret_key"  # as config.settings makes it in embedded mode
        if not path.exists():
            Path(self.var_dir).mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(64))
            path.chmod(0o600)
        return path.read_text().strip()

    def live_values(self) -> dict[str, str]:
        from peixun.live import signing  # pure functions, no Django needed

        base = self.live_secret_base()
        hook = signing.derive(base, signing.HOOK_PURPOSE)
        # PEIXUN_LIVE_HLS_AUTH=django makes nginx ask the app about every HLS request (auth_request,
        # no cache): the baseline of bench/live_delivery.py, not for production.
        if self.env.get("PEIXUN_LIVE_HLS_AUTH", "") == "django":
            guard = "            auth_request /_live_hls_auth;\n"
            auth_location = (
                "        location = /_live_hls_auth {\n"
                "            internal;\n"
                f"            proxy_pass http://peixun_app/live/hooks/{hook}/hls-auth/;\n"
                "            proxy_pass_request_body off;\n"
                '            proxy_set_header Content-Length "";\n'
                "            proxy_set_header X-Original-URI $request_uri;\n"
                "            proxy_set_header Host $http_host;\n"
                "            proxy_http_version 1.1;\n"
                '            proxy_set_header Connection "";\n'
                "        }\n"
            )
        else:
            secret = signing.derive(base, signing.HLS_PURPOSE)
            guard = (
                "            secure_link $live_tok,$live_exp;\n"
                f'            secure_link_md5 "$live_exp$live_name$live_uid {secret}";\n'
                '            if ($secure_link = "") { return 403; }\n'
                '            if ($secure_link = "0") { return 403; }\n'
            )
            auth_location = ""
        return {
            "live_dir": str(self.live_dir.resolve()),
            "live_hook_secret": hook,
            "live_replay_secret": signing.derive(base, signing.REPLAY_PURPOSE),
            "live_hls_guard": guard.rstrip("\n"),
            "live_auth_location": auth_location.rstrip("\n"),
            # nginx-rtmp's defaults are 5s and 30s; bench/live_delay.py sets them to measure the baseline.
            "live_hls_fragment": self.env.get("PEIXUN_LIVE_HLS_FRAGMENT", "1s"),
            "live_hls_playlist": self.env.get("PEIXUN_LIVE_HLS_PLAYLIST", "4s"),
        }

    def write_config(self) -> Path:
        for sub in ("logs", "tmp"):
            (self.nginx_dir / sub).mkdir(parents=True, exist_ok=True)
        Path(self.media_root).mkdir(parents=True, exist_ok=True)
        for sub in ("hls", "recordings", "replays"):
            (self.live_dir / sub).mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:  # nginx's workers (the checkout's owner, see user_directive) write here
                owner = BASE_DIR.stat()
                os.chown(self.live_dir / sub, owner.st_uid, owner.st_gid)
        (self.nginx_dir / "rtmp-control.sock").unlink(missing_ok=True)  # left behind by a killed nginx
        self.nginx_conf.write_text(self.render_config(), encoding="utf-8")
        self.nginx_conf.chmod(0o600)  # it holds the live-teaching secrets
        return self.nginx_conf

    def nginx_argv(self, *extra: str) -> list[str]:
        return [
            NGINX,
            "-p", f"{self.nginx_dir}/",
            "-c", str(self.nginx_conf),
            "-e", str(self.nginx_dir / "logs" / "error.log"),
            *extra,
        ]  # fmt: skip

    def check_ports(self) -> None:
        wanted = [
            (self.port, "PEIXUN_PORT", self.host),
            (self.app_port, "PEIXUN_APP_PORT", "127.0.0.1"),
            (self.rtmp_port, "PEIXUN_RTMP_PORT", self.host),
        ]
        seen: dict[int, str] = {}
        for port, var, _host in wanted:
            if port in seen:
                raise PortInUse(ERR_PORT_TWICE.format(port=port, a=seen[port], b=var))
            seen[port] = var
        for port, var, host in wanted:
            if not port_is_free(port, host or "0.0.0.0"):  # noqa: S104
                suggestion = next(p for p in range(port + 10, 65535) if port_is_free(p, host or "0.0.0.0"))  # noqa: S104
                raise PortInUse(ERR_PORT_IN_USE.format(port=port, var=var, suggestion=suggestion))

    # --- processes -----------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        """Start everything, or nothing: on any failure the children already started are stopped."""
        if not Path(NGINX).exists() or not RTMP_MODULE.exists():
            raise StackError(ERR_NO_NGINX.format(path=NGINX if not Path(NGINX).exists() else RTMP_MODULE))
        if bool(self.tls_cert) != bool(self.tls_key):
            raise StackError(ERR_TLS_PAIR)
        self.check_ports()
        self.write_config()
        test = subprocess.run(self.nginx_argv("-t", "-q"), capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise StackError(ERR_NGINX_CONFIG.format(path=self.nginx_conf, output=test.stderr.strip()))
        try:
            app = self._spawn("uvicorn", self.uvicorn_argv(), extra_env=self.uvicorn_env())
            self._wait_healthy(f"http://127.0.0.1:{self.app_port}{HEALTH_PATH}", "uvicorn", [app], timeout)
            front = self._spawn("nginx", self.nginx_argv("-g", "daemon off;"))
            self._wait_healthy(self.url.rstrip("/") + HEALTH_PATH, "nginx", [app, front], timeout)
            if self.wants_celery():
                self._spawn("celery", self.celery_argv())
            if self.periodic:
                self._spawn(*self.periodic_argv())
        except BaseException:
            self.stop()
            raise

    def uvicorn_argv(self) -> list[str]:
        argv = [
            sys.executable, "-m", "uvicorn", "config.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.app_port),
            "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
            "--lifespan", "off", "--no-access-log", "--timeout-graceful-shutdown", "5",
            # Longer than nginx's keepalive_timeout for its upstream connections (nginx.conf.template).
            "--timeout-keep-alive", str(APP_KEEPALIVE_SECONDS),
        ]  # fmt: skip
        if self.app_workers > 1:
            argv += ["--workers", str(self.app_workers)]
        return argv

    def uvicorn_env(self) -> dict[str, str]:
        """A pool of PostgreSQL connections per worker, unless PEIXUN_DB_POOL says otherwise (0: none):
        without it every request opens a new backend."""
        if self.env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            return {"PEIXUN_DB_POOL": self.env.get("PEIXUN_DB_POOL", str(DB_POOL_PER_WORKER))}
        return {}

    def periodic_argv(self) -> tuple[str, list[str]]:
        if self.wants_celery():
            schedule = str(Path(self.var_dir) / "celerybeat-schedule")
            return "celery-beat", [
                sys.executable, "-m", "celery", "-A", "config.celery", "beat",
                "--loglevel", "INFO", "--schedule", schedule,
            ]  # fmt: skip
        return "periodic", [sys.executable, "-m", "peixun.core.tasks"]

    def celery_argv(self) -> list[str]:
        argv = [sys.executable, "-m", "celery", "-A", "config.celery", "worker", "--loglevel", "INFO"]
        if self.env.get("PEIXUN_CELERY_CONCURRENCY"):
            argv += ["--concurrency", self.env["PEIXUN_CELERY_CONCURRENCY"]]
        return argv

    def _spawn(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> Child:
        log = None
        out: int | None = None
        if self.log_dir is not None:
            Path(self.log_dir).mkdir(parents=True, exist_ok=True)
            log = Path(self.log_dir) / f"{name}.log"
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            process = subprocess.Popen(
                argv,
                cwd=BASE_DIR,
                env={**self.child_env(), **(extra_env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if out is not None else None,
                start_new_session=True,  # its own process group: we stop it and all its workers at once
                preexec_fn=_die_with_parent,
            )
        finally:
            if out is not None:
                os.close(out)
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def _wait_healthy(self, url: str, what: str, watch: list[Child], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        host = self.health_host()
        while time.monotonic() < deadline:
            for child in watch:
                code = child.process.poll()
                if code is not None:
                    raise StackError(ERR_DIED.format(name=child.name, code=code, log=self._log_tail(child)))
            if self._answers(url, host):
                return
            time.sleep(0.2)
        raise StackError(ERR_TIMEOUT.format(what=what, seconds=timeout, log=self._log_tail(watch[-1])))

    def health_host(self) -> str:
        allowed = [h for h in self.env.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
        first = allowed[0].strip().lstrip(".") if allowed else "127.0.0.1"
        return "127.0.0.1" if first == "*" else first

    @staticmethod
    def _answers(url: str, host: str) -> bool:
        request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 - our own URL
        context = ssl._create_unverified_context() if url.startswith("https") else None  # noqa: S323
        opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
        try:
            with opener.open(request, timeout=2) as response:
                return response.status in HEALTHY
        except urllib.error.HTTPError as error:
            return error.code in HEALTHY
        except (OSError, ValueError):
            return False

    @staticmethod
    def _log_tail(child: Child, lines: int = 25) -> str:
        if child.log is None or not child.log.exists():
            return ""
        tail = child.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return f"\n--- last lines of {child.log} ---\n" + "\n".join(tail)

    def poll(self) -> Child | None:
        """The first child that has exited, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM each process group (newest first), then SIGKILL whatever is left."""
        for child in reversed(self.children):
            _signal_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            with suppress(subprocess.TimeoutExpired):
                child.process.wait(max(0.1, deadline - time.monotonic()))
            _signal_group(child.process.pid, signal.SIGKILL)  # workers left behind by a dead leader
            child.process.wait()
        self.children.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _signal_group(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


# --- command line (make run) -------------------------------------------------------------------


class _Shutdown(Exception):
    pass


def env_port(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise StackError(ERR_BAD_PORT.format(var=name, value=value))
    return int(value)


def app_workers_from(env: dict[str, str]) -> int:
    """PEIXUN_APP_WORKERS: a number, or auto/unset. Auto is one worker per core (at most
    MAX_AUTO_WORKERS) with Redis, and one without: the embedded mode keeps chat, cache and jobs in-process."""
    value = env.get("PEIXUN_APP_WORKERS", "").strip().lower()
    with_redis = bool(env.get("REDIS_URL"))
    if value in {"", "auto"}:
        return max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS)) if with_redis else 1
    if not value.isdigit() or int(value) < 1:
        raise StackError(ERR_BAD_WORKERS.format(value=value))
    if int(value) > 1 and not with_redis:
        raise StackError(ERR_WORKERS_NEED_REDIS.format(value=value))
    return int(value)


def lan_addresses() -> list[str]:
    """The address other machines of the intranet reach us at (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            address = str(sock.getsockname()[0])
        except OSError:
            return []
    return [] if address.startswith("127.") else [address]


@contextmanager
def _signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start nginx, the ASGI app and (with REDIS_URL) a Celery worker.")
    parser.add_argument("--banner", type=Path, help="a text file printed once everything answers (demo accounts)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings  # the same variables decide the paths as in the app itself

    try:
        host = os.environ.get("PEIXUN_HOST", "0.0.0.0")  # noqa: S104
        extra_hosts = lan_addresses() if host == "0.0.0.0" else []  # noqa: S104
        env = dict(os.environ)
        if "DJANGO_ALLOWED_HOSTS" not in env:
            env["DJANGO_ALLOWED_HOSTS"] = ",".join([*settings.ALLOWED_HOSTS, *extra_hosts, socket.gethostname()])
        stack = Stack(
            port=env_port("PEIXUN_PORT", 8000),
            app_port=env_port("PEIXUN_APP_PORT", 8001),
            rtmp_port=env_port("PEIXUN_RTMP_PORT", 1935),
            host=host,
            var_dir=Path(settings.VAR_DIR),
            static_root=Path(settings.STATIC_ROOT),
            media_root=Path(settings.MEDIA_ROOT),
            env=env,
            app_workers=app_workers_from(env),
            periodic=True,
            tls_cert=os.environ.get("PEIXUN_TLS_CERT", ""),
            tls_key=os.environ.get("PEIXUN_TLS_KEY", ""),
            behind_tls_proxy=os.environ.get("PEIXUN_BEHIND_TLS_PROXY", "") in {"1", "true", "yes", "on"},
        )
    except StackError as error:
        print(f"peixun: {error}", file=sys.stderr)
        return 2

    def shutdown(signum: int, frame: FrameType | None) -> None:
        raise _Shutdown(signal.Signals(signum).name)

    code = 0
    with _signals(shutdown):
        try:
            stack.start()
            scheme = "https" if stack.tls else "http"
            urls = [stack.url, *(f"{scheme}://{a}:{stack.port}/" for a in extra_hosts)]
            print("\nPeixun is running:  " + "   ".join(urls), flush=True)
            rtmp_host = stack.url.split("://")[1].rsplit(":", 1)[0]
            print(f"  RTMP (live teaching): rtmp://{rtmp_host}:{stack.rtmp_port}/live/<stream key>")
            services = ", ".join(c.name for c in stack.children)
            print(f"  services: {services}; logs of nginx in {stack.nginx_dir / 'logs'}")
            if args.banner and args.banner.exists():
                print("\n" + args.banner.read_text(encoding="utf-8").rstrip())
            print("\nCtrl-C stops everything.", flush=True)
            while (dead := stack.poll()) is None:
                time.sleep(0.5)
            print(f"peixun: {dead.name} exited ({dead.process.returncode}); stopping the rest.", file=sys.stderr)
            code = 1
        except _Shutdown:
            print("\nStopping...", flush=True)
        except StackError as error:
            print(f"peixun: {error}", file=sys.stderr)
            code = 2
    with _signals(lambda signum, frame: None):  # a second Ctrl-C must not leave children behind
        stack.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
