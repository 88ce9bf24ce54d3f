"""docs/operations.md, run: deploy (keys, migrate, gunicorn, health and readiness), monitor,
audit the access log, prune. (Back up and restore: test_backup; erase: test_erasure_approval.)"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.django_db(databases=[])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}
                                     if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_deploy_in_production_mode_and_monitor(store_env, run_cli, tmp_path):
    """As docs/operations.md says: a signing key from keygen, a salt, migrate, gunicorn on
    reunify.wsgi; /healthz and /readyz answer 200, /metrics answers the scraper's token, and
    every log line is JSON with a request id."""
    env = {**store_env, "REUNIFY_ENV": "production", "REUNIFY_SECRET_KEY": "s" * 64,
           "REUNIFY_LEDGER_KEY": str(tmp_path / "keys" / "signing-key.pem"),
           "REUNIFY_LEDGER_SALT": "a-salt-of-at-least-thirty-two-characters",
           "REUNIFY_FIELD_KEY": "ZmllbGQta2V5LWZvci10ZXN0cy0wMTIzNDU2Nzg5YWI=",
           "REUNIFY_SSL_REDIRECT": "0", "REUNIFY_METRICS_TOKEN": "scraper-token-1234",
           "REUNIFY_LOG_LEVEL": "INFO"}
    assert run_cli("ledger", "keygen", "--out", env["REUNIFY_LEDGER_KEY"], env=env).returncode == 0
    migrated = run_cli("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "reunify.wsgi:application",
         "--config", "python:reunify.web.gunicorn_conf", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--worker-class", "gthread"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                status, _ = _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        status, body = _get(f"{base}/readyz")
        assert status == 200, body
        assert json.loads(body)["ledger"] == "signed"
        assert _get(f"{base}/metrics")[0] == 401
        status, body = _get(f"{base}/metrics", token="scraper-token-1234")
        assert status == 200
        assert b"reunify_http_requests_total" in body
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    lines = [json.loads(line) for line in err.splitlines()]  # every line is JSON
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    request_lines = [line for line in lines if line["logger"] == "reunify.requests"]
    assert {line["path"] for line in request_lines} >= {"/healthz", "/readyz", "/metrics"}
    assert all(len(line["request_id"]) == 32 for line in request_lines)


def test_audit_and_prune_commands(store_env, run_cli):
    """`access query`, `access digest`, `access verify` and `prune` run on a store and the
    prune is recorded in the ledger."""
    assert run_cli("migrate", env=store_env).returncode == 0
    queried = run_cli("access", "query", "--person", "P0000001", "--since", "2026-01-01",
                      env=store_env)
    assert queried.returncode == 0, queried.stderr
    assert run_cli("access", "digest", env=store_env).returncode == 0
    verified = run_cli("access", "verify", env=store_env)
    assert verified.returncode == 0, verified.stdout
    pruned = run_cli("prune", env=store_env)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("pruned: 0 access-log rows")
    listed = run_cli("ledger", "query", "--type", "access.pruned", env=store_env)
    assert "1 matching entries" in listed.stderr
    # the query above was itself logged, as a command-line read of P0000001
    found = run_cli("access", "query", "--person", "P0000001", "--json", env=store_env)
    assert '"route": "cli:access query"' in found.stdout
