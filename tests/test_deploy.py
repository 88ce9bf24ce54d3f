"""The production set-up of docs/deploy.md, for real: gunicorn on 127.0.0.1 behind Debian's nginx
terminating TLS with a certificate made here, on the test store (SQLite, or PostgreSQL when
REUNIFY_DATABASE_URL says so). A browser-like client signs in through the proxy over https.
"""

from __future__ import annotations

import datetime as dt
import html
import http.cookiejar
import ipaddress
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from stores import postgres_store

PASSWORD = "correct horse battery staple 42"

#: Run in the store's environment (development settings): make the account, print its secret.
_MAKE_USER = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from reunify.actions.users import create_user
_user, secret = create_user("t-proxied", %r, "caseworker", actor="tester")
print(secret)
"""

_LAST_FAILURE = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from reunify.models import SignInFailure
print(SignInFailure.objects.order_by("-pk").values_list("address", flat=True)[0])
"""


def nginx_binary() -> str | None:
    """Debian's nginx (CI installs it, as .ci/run does)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listening on {port}:\n{log.read_text()}")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, made now."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
{user}
events {{ worker_connections 64; }}
http {{
  access_log {tmp}/nginx-access.log;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  client_max_body_size 64m;
  server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{
      proxy_pass http://127.0.0.1:{app_port};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_redirect off;
    }}
  }}
}}
"""


@pytest.fixture
def store(run_cli, cli_env, tmp_path):
    """A fresh, migrated store (PostgreSQL when the suite runs on it) and its environment."""
    env = {**cli_env, "REUNIFY_FIELD_KEY": Fernet.generate_key().decode()}
    drop = None
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        url, drop = postgres_store("deploy")
        env["REUNIFY_DATABASE_URL"] = url
    migrated = run_cli("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    yield env
    if drop is not None:
        drop()


def in_store(env: dict, code: str) -> str:
    """Run ``code`` against the store; its standard output."""
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def proxied(store, tmp_path):
    """gunicorn (production settings) behind nginx on https://localhost:PORT/; yields the base."""
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx not found (apt-get install nginx; .ci/run installs it)")
    cert, key = make_certificate(tmp_path)
    app_port, port = free_port(), free_port()
    base = f"https://localhost:{port}"
    env = {**store, "REUNIFY_ENV": "production", "REUNIFY_SECRET_KEY": secrets.token_urlsafe(64),
           "REUNIFY_TRUSTED_PROXY_HOPS": "1", "REUNIFY_ALLOWED_HOSTS": "localhost",
           "REUNIFY_CSRF_TRUSTED_ORIGINS": base}
    app_log = tmp_path / "gunicorn.log"
    with app_log.open("wb") as out:
        app = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "reunify.wsgi:application", "--bind",
             f"127.0.0.1:{app_port}", "--workers", "1", "--threads", "2",
             # As if the proxy were on another host: gunicorn's own trust of X-Forwarded-*
             # (127.0.0.1 only) must not be what makes this work; reunify's settings must.
             "--forwarded-allow-ips", "192.0.2.1",
             "--logger-class", "reunify.web.log_lines.GunicornLogger",
             "--access-logfile", str(tmp_path / "access.log"),
             "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(M)sms'],  # as reunify serve
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(
        tmp=tmp_path, port=port, app_port=app_port, cert=cert, key=key,
        user="user root;" if os.geteuid() == 0 else ""))
    proxy_log = tmp_path / "nginx-error.log"
    proxy_log.touch()
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(app_port, app, app_log)
        wait_for_port(port, proxy, proxy_log)
        yield base, cert, store, tmp_path / "access.log"
    finally:
        for process in (proxy, app):
            process.terminate()
        for process in (proxy, app):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser(cert: Path):
    """A client that trusts only the test certificate, keeps cookies, and follows nothing."""
    context = ssl.create_default_context(cafile=str(cert))
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                         urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    return opener, jar


def fetch(opener, url: str, data: dict | None = None, headers: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        response = opener.open(request, timeout=60)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.headers, response.read().decode("utf-8", "replace")


def test_sign_in_through_a_tls_proxy(proxied):
    """Behind nginx (TLS, one trusted hop) a user signs in with the CSRF token and the Origin a
    browser sends, gets secure cookies and HSTS, static files are served, and a failure is
    counted against the client's address, not the proxy's and not one the client claims."""
    base, cert, env, _log = proxied
    secret = in_store(env, _MAKE_USER % PASSWORD)
    opener, jar = browser(cert)
    status, headers, page = fetch(opener, f"{base}/sign-in/")
    assert status == 200
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    token = html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1])
    post = {"Origin": base, "Referer": f"{base}/sign-in/"}

    status, _headers, page = fetch(opener, f"{base}/sign-in/", {
        "csrfmiddlewaretoken": token, "username": "t-proxied", "password": "wrong password!!",
        "code": ""}, {**post, "X-Forwarded-For": "203.0.113.9"})
    assert status == 400, page
    assert in_store(env, _LAST_FAILURE) == "127.0.0.1"

    code = pyotp.TOTP(secret).now() if secret else ""
    status, headers, page = fetch(opener, f"{base}/sign-in/", {
        "csrfmiddlewaretoken": token, "username": "t-proxied", "password": PASSWORD,
        "code": code}, post)
    assert status == 302, page
    assert headers["Location"] == "/"
    cookies = {c.name: c for c in jar}
    assert cookies["sessionid"].secure
    assert cookies["csrftoken"].secure

    status, _headers, page = fetch(opener, f"{base}/")
    assert status == 200
    assert "t-proxied" in page
    status, headers, css = fetch(opener, f"{base}/static/reunify/site.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert css


def test_the_access_log_cannot_be_forged_through_the_proxy(proxied):
    """A path with an encoded line break is logged on one line, escaped (nginx itself refuses
    an encoded NUL; gunicorn's logger escapes it too, see test_output_safety)."""
    base, cert, _env, log = proxied
    opener, _jar = browser(cert)
    status, _headers, _page = fetch(opener, f"{base}/x%0a127.0.0.1%20-%20forged/")
    assert status == 404
    deadline = time.monotonic() + 10
    while "forged" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = log.read_bytes().splitlines()
    assert not [line for line in lines if line.startswith(b"127.0.0.1 - forged")]
    assert any(b"/x\\n127.0.0.1 - forged/" in line for line in lines), lines
