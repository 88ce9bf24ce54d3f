"""WSGI entry point for production servers (gunicorn reunify.wsgi).

Before serving: sign what a killed process left unsigned, replay access-log spools of dead
processes and sweep upload temporaries (``reunify.web.operations.start_up``).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
application = get_wsgi_application()

from reunify.web.operations import start_up  # noqa: E402 - needs Django set up

start_up()
