"""gunicorn settings for reunify (``gunicorn -c python:reunify.web.gunicorn_conf …``).

gunicorn's own log lines become JSON like reunify's (``reunify.web.operations.JsonFormatter``);
its access log stays off, because reunify logs each request itself with its request id. A worker
that exits stores the access-log rows it still has queued.

A kept-alive connection stays open ``keepalive`` seconds: longer than a user (or the proxy in
front) pauses between two requests, so that a request is never sent on a connection the
server is closing at that moment (gunicorn's default, 2 s, reset such requests under load).
Idle kept-alive connections wait in the worker's poller, not in a thread.
"""

keepalive = 10

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "reunify.web.operations.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                             "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}


def worker_exit(server, worker) -> None:
    """Flush the access log's queue before the worker goes (the spool covers a kill)."""
    from reunify.actions.access_queue import flush_at_exit

    flush_at_exit()
