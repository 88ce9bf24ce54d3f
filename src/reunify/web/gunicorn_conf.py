"""gunicorn settings for reunify (``gunicorn -c python:reunify.web.gunicorn_conf …``).

gunicorn's own log lines become JSON like reunify's (``reunify.web.operations.JsonFormatter``);
its access log stays off, because reunify logs each request itself with its request id. A worker
that exits stores the access-log rows it still has queued.
"""

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
