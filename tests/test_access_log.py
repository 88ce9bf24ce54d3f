"""The access log an auditor can use: refused reads logged, command-line reads logged, the
table append-only, its daily digests anchored in the ledger, and reads that never wait for a
write to log themselves."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from reunify.actions.access import record_reads
from reunify.actions.access_audit import digest_access_log, prune
from reunify.cli.main import main
from reunify.models import AccessLog
from reunify.models.access import drop_access_triggers
from reunify.queries.access import AccessFilter, find_reads, verify_access_log
from scripts import HOLD, RELEASE, SETUP
from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def _family(world, tag: str) -> str:
    return f"F{world.families[tag]:07d}"


def test_a_read_outside_ones_assignment_is_logged_as_denied(world):
    """A caseworker opening a family and a person not assigned to them gets 404, and both
    attempts are in the log as denied, with who and through what."""
    client = Client()
    client.force_login(world.users["caseworker"])
    child = f"P{world.children['c']:07d}"
    assert client.get(reverse("family", kwargs={"family_id": _family(world, "c")})
                      ).status_code == 404
    assert client.get(reverse("api:person", kwargs={"person_id": child})).status_code == 404
    denied = set(AccessLog.objects.filter(user="t-caseworker", outcome="denied")
                 .values_list("what", "object_id", "route"))
    assert denied == {("family", _family(world, "c"), "family"),
                      ("person", child, "api:person")}


def test_an_auditor_answers_who_looked_and_who_tried_on_a_page_and_the_api(world):
    """After a caseworker reads family a and tries family c, the auditor's page and API
    operation, filtered by the child of c, show the attempt; by family a, the read."""
    worker = Client()
    worker.force_login(world.users["caseworker"])
    worker.get(reverse("family", kwargs={"family_id": _family(world, "a")}))
    worker.get(reverse("person", kwargs={"person_id": f"P{world.children['c']:07d}"}))
    auditor = Client()
    auditor.force_login(world.users["auditor"])
    page = auditor.get(reverse("access_log"), {"person": f"P{world.children['c']:07d}"})
    assert page.status_code == 200
    assert b"t-caseworker" in page.content
    assert b"denied" in page.content
    answer = auditor.get(reverse("api:access_log"),
                         {"family": _family(world, "a"), "user": "t-caseworker"}).json()
    assert answer["count"] == 2  # the child and the parent of family a, read
    assert {i["object_id"] for i in answer["items"]} == {f"P{world.children['a']:07d}",
                                                         f"P{world.parents['a']:07d}"}
    assert {i["outcome"] for i in answer["items"]} == {"read"}


def test_command_line_reads_are_logged_with_the_persons_they_revealed(world, capsys,
                                                                      monkeypatch, tmp_path):
    """`families show`, `review show`, `explain` and `export register` each log every person
    they revealed, as the acting user; `access query` finds them."""
    monkeypatch.setenv("REUNIFY_ACTOR", "clerk")
    child = f"P{world.children['a']:07d}"
    assert main(["families", "show", child]) == 0
    assert main(["review", "show", str(world.pair)]) == 0
    assert main(["explain", "border:a-c0", "shelter:S-1"]) == 0
    out = tmp_path / "register.csv"
    assert main(["export", "register", "--out", str(out), "--as-of", "2018-06-01"]) == 0
    routes = {}
    for route, person in AccessLog.objects.filter(user="clerk").values_list("route",
                                                                           "object_id"):
        routes.setdefault(route, set()).add(person)
    assert routes["cli:families show"] == {child, f"P{world.parents['a']:07d}"}
    assert child in routes["cli:review show"]
    assert child in routes["cli:explain"]
    assert {f"P{p:07d}" for p in world.children.values()} <= routes["cli:export register"]
    capsys.readouterr()
    assert main(["access", "query", "--person", child, "--user", "clerk", "--json"]) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["route"] for r in found} == {"cli:families show", "cli:review show",
                                           "cli:explain", "cli:export register"}


def test_the_access_log_refuses_update_and_delete():
    """Like the ledger, the table refuses UPDATE, and DELETE of rows no prune released."""
    record_reads("person", ["P0000001"], actor="u", role="caseworker", route="person")
    for statement in ("UPDATE reunify_access_log SET role = 'someone-else'",
                      "DELETE FROM reunify_access_log"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLog.objects.filter(user="u").count() == 1


def test_a_deleted_row_of_a_digested_day_is_detected_and_a_prune_is_not():
    """The day's digest goes to the ledger; deleting one row (triggers dropped, as a database
    owner could) fails `access verify`; a prune past that day is recorded and verifies."""
    record_reads("person", ["P0000001", "P0000002"], actor="u", role="caseworker",
                 route="family")
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert len(digest_access_log(actor="ops", today=tomorrow)) == 1
    assert digest_access_log(actor="ops", today=tomorrow) == []  # once per day
    assert verify_access_log(today=tomorrow).ok
    drop_access_triggers(connection)  # rolled back with the test's transaction
    AccessLog.objects.filter(object_id="P0000002").delete()
    verdict = verify_access_log(today=tomorrow)
    assert not verdict.ok
    assert "1 rows in the log, the ledger's digest says 2" in verdict.problems[0]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=800)
    counts = prune(actor="ops", now=later)
    assert counts["access_rows"] == 1
    assert verify_access_log(today=later.date()).ok


def test_an_auditor_query_by_day_and_outcome():
    """Filters by since/until day and outcome select exactly the matching rows."""
    record_reads("person", ["P0000009"], actor="u", role="counsel", route="person")
    record_reads("person", ["P0000009"], actor="v", role="counsel", route="person",
                 outcome="denied")
    today = dt.datetime.now(dt.UTC).date()
    total, rows = find_reads(AccessFilter(person="P0000009", outcome="denied", since=today))
    assert (total, rows[0]["user"]) == (1, "v")
    assert find_reads(AccessFilter(person="P0000009", until=today))[0] == 0


#: Logs reads while another connection holds the write lock of the access log; prints
#: "logged" once record_reads returned (it must not wait), then either exits at once
#: (``kill``: rows only in the spool) or releases the lock and flushes.
_BLOCKED = SETUP + HOLD + """
from reunify.actions.access import record_reads
from reunify.actions.access_queue import QUEUE
record_reads("person", ["P0000042"], actor="u", role="caseworker", route="person")
print("logged", flush=True)
if sys.argv[1] == "kill":
    os._exit(9)
""" + RELEASE + """
assert QUEUE.flush()
"""


@pytest.mark.parametrize("end", ["flush", "kill"])
def test_a_read_never_waits_for_a_write_and_no_row_is_lost(store_env, run_cli, end):
    """With the access log's table locked by a long write, logging a read returns at once (it
    would wait out the lock before); the row reaches the table after the lock is released —
    or, if the process is killed first, at the next command's start-up."""
    assert run_cli("migrate", env=store_env).returncode == 0
    done = subprocess.run([sys.executable, "-c", _BLOCKED, end], env=store_env,
                          capture_output=True, text=True, timeout=120)
    assert "logged" in done.stdout, done.stderr
    assert done.returncode == (9 if end == "kill" else 0), done.stderr
    found = run_cli("access", "query", "--person", "P0000042", "--json", env=store_env)
    assert found.returncode == 0, found.stderr
    rows = [json.loads(line) for line in found.stdout.splitlines()]
    assert [(r["user"], r["outcome"]) for r in rows] == [("u", "read")]
