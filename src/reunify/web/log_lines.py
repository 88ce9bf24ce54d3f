"""Server log lines that a request cannot forge: paths and headers are logged escaped.

A request for ``/x%0a2026-01-01 ... admin signed in`` would otherwise write a line break, and
``%00`` a NUL, into the log. Both the application's log (Django's "Not Found: /path", …) and
gunicorn's access log go through ``escaped_for_log``.
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger as GunicornBaseLogger

from reunify.rules.text_safety import escaped_for_log


class LineFormatter(logging.Formatter):
    """Formats a record's message with every control character escaped (tracebacks, which
    the formatter adds after the message, keep their lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escaped_for_log(record.message)
        return super().formatMessage(record)


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's logger with its access-log fields (path, query, headers) escaped."""

    def atoms(self, resp, req, environ, request_time):
        return {key: escaped_for_log(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}
