"""Pieces of the scripts tests run in a process of their own (``python -c``): a crash, a lock
held by another connection or a full disk must hit a real process, not the test's own."""

from __future__ import annotations

#: Every script's start: Django set up on the store its environment names.
SETUP = """
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
"""


def signed_in(username: str, role: str) -> str:
    """Creates the user, signs ``client`` in as them and ages their "seen" mark by two
    minutes, so the next page would note them as seen (a session write)."""
    return f"""
from django.test import Client
from reunify.actions.users import create_user
user, _ = create_user({username!r}, "correct horse battery staple 42", {role!r}, actor="t")
client = Client()
client.force_login(user)
session = client.session
session["reunify_seen"] = int(time.time()) - 120
session.save()
"""


#: ``other``, a second connection holding a long write: SQLite's write lock, or on PostgreSQL
#: the access log locked against writes. :data:`RELEASE` ends it.
HOLD = """
from django.conf import settings
from django.db import connection
db = settings.DATABASES["default"]
if connection.vendor == "sqlite":
    import sqlite3
    other = sqlite3.connect(db["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
else:
    import psycopg
    other = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                            dbname=db["NAME"])
    other.execute("LOCK TABLE reunify_access_log IN EXCLUSIVE MODE")
"""
RELEASE = """
other.rollback() if connection.vendor == "postgresql" else other.execute("ROLLBACK")
"""

#: Caps every new SQLite connection's store at two pages more than it holds: the next writes
#: fail as on a full disk.
CAP_SQLITE = """
from django.db.backends.signals import connection_created
def cap(sender, connection, **kwargs):
    with connection.cursor() as cursor:
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 2}")
connection_created.connect(cap)
"""
