"""TLS on the front door (PEIXUN_TLS_CERT / PEIXUN_TLS_KEY) and TLS ended by a device in front."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from peixun.core.stack import StackError
from tests.stack.conftest import make_stack

pytestmark = pytest.mark.stack


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_with_a_certificate_nginx_speaks_tls_and_the_app_insists_on_https(
    stack_env: dict[str, str], stack_static_root: Path, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    env = {k: v for k, v in stack_env.items() if k != "PEIXUN_HTTPS"}
    stack = make_stack(env, tmp_path, stack_static_root)
    stack.tls_cert, stack.tls_key = str(cert), str(key)
    assert stack.url.startswith("https://")
    with stack, httpx.Client(base_url=stack.url, verify=False, trust_env=False) as http:
        login = http.get("/accounts/login/")
        assert login.status_code == 200
        assert login.headers["strict-transport-security"].startswith("max-age=")
        assert "secure" in login.headers["set-cookie"].lower()  # the CSRF cookie, sent over HTTPS only
        assert http.get("/static/vendor/htmx.min.js").status_code == 200
    assert stack.children == []


def test_half_a_certificate_is_refused_before_anything_starts(
    stack_env: dict[str, str], stack_static_root: Path, tmp_path: Path
) -> None:
    stack = make_stack(stack_env, tmp_path, stack_static_root)
    stack.tls_cert = str(tmp_path / "cert.pem")
    with pytest.raises(StackError, match="PEIXUN_TLS_KEY"):
        stack.start()
    assert stack.children == []


def test_behind_a_tls_device_every_request_is_passed_on_as_https(
    stack_env: dict[str, str], stack_static_root: Path, tmp_path: Path
) -> None:
    stack = make_stack(stack_env, tmp_path, stack_static_root)
    stack.behind_tls_proxy = True
    conf = stack.render_config()
    assert conf.count("proxy_set_header X-Forwarded-Proto https;") == 2
    assert "$scheme" not in conf
    assert stack.child_env()["PEIXUN_HTTPS"] == "0"  # an explicit choice is kept
    del stack.env["PEIXUN_HTTPS"]
    assert stack.child_env()["PEIXUN_HTTPS"] == "1"
