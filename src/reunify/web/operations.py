"""Running the service: request ids, JSON logs, metrics, health and readiness, start-up.

* ``RequestIdMiddleware`` (first of all) gives every request an id — the caller's
  ``X-Request-ID`` when it is a plain token, else a new one — sends it back, puts it on every
  log line written while the request runs (``JsonFormatter``), logs one line per request and
  counts it for ``/metrics``.
* ``/healthz``: the process answers. ``/readyz``: the database answers, the signing key loads
  and every ledger entry is signed (503 otherwise, saying which).
* ``/metrics``: Prometheus text, only with ``Authorization: Bearer $REUNIFY_METRICS_TOKEN``
  (without the variable the endpoint answers 404: it is off).
* ``start_up()`` (the WSGI module calls it): sign what a killed process left unsigned, replay
  access-log spools of dead processes, and sweep upload temporaries of dead processes.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hmac
import json
import logging
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_TOKEN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: Upload temporaries live here (mode 0700), one folder per upload named by its process.
UPLOAD_PREFIX = "upload-"

REQUESTS = Counter("reunify_http_requests_total", "HTTP requests answered",
                   ["route", "method", "status"])
LATENCY = Histogram("reunify_http_request_seconds", "Time to answer a request", ["route"])
log = logging.getLogger("reunify.requests")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id (and exception)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname, "logger": record.name,
            "request_id": REQUEST_ID.get(), "message": record.getMessage(),
        }
        for key in ("method", "path", "status", "ms", "route"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=True)  # escapes newlines and NULs in paths


class RequestIdMiddleware:
    """See the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _TOKEN.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            route = match.view_name if match else "-"
            elapsed = time.perf_counter() - started
            REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            LATENCY.labels(route).observe(elapsed)
            log.info("request", extra={"method": request.method, "path": request.path,
                                       "status": response.status_code, "route": route,
                                       "ms": round(elapsed * 1000, 1)})
            return response
        finally:
            REQUEST_ID.reset(token)


def healthz(request):
    """The process is up."""
    return JsonResponse({"status": "ok"})


def readiness() -> tuple[bool, dict[str, str]]:
    """Whether the service can serve: database, signing key, ledger fully signed."""
    from django.db import connection

    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return False, checks
    try:
        from reunify.models.ledger_keys import signing_key

        signing_key()
        checks["signing_key"] = "ok"
    except Exception as exc:
        checks["signing_key"] = f"missing: {type(exc).__name__}"
    from reunify.actions.ledger import unsigned_entries

    unsigned = unsigned_entries()
    checks["ledger"] = "signed" if unsigned == 0 else f"{unsigned} entries unsigned"
    return all(v in ("ok", "signed") for v in checks.values()), checks


def readyz(request):
    """200 when ready, 503 with the failing checks otherwise."""
    ready, checks = readiness()
    return JsonResponse({"status": "ready" if ready else "not ready", **checks},
                        status=200 if ready else 503)


def metrics(request):
    """Prometheus metrics, for a scraper holding the token (404 when no token is set)."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


def upload_root() -> Path:
    """The private folder upload temporaries are written to."""
    root = Path(settings.DATA_DIR) / "uploads"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    root.chmod(0o700)
    return root


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_uploads() -> int:
    """Delete upload temporaries left by processes that no longer run; return how many."""
    swept = 0
    for entry in upload_root().iterdir():
        owner = entry.name.removeprefix(UPLOAD_PREFIX).split("-", 1)[0]
        if entry.name.startswith(UPLOAD_PREFIX) and owner.isdigit() and _alive(int(owner)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        swept += 1
    return swept


def start_up() -> None:
    """What the web server does before serving (see the module docstring)."""
    from reunify.actions.access_queue import replay_orphans
    from reunify.actions.ledger import sign_pending

    sweep_uploads()
    try:
        sign_pending(actor="reunify:start-up")
        replay_orphans()
    except Exception:
        logging.getLogger(__name__).exception("start-up: ledger or access log not caught up; "
                                              "/readyz says what is wrong")
