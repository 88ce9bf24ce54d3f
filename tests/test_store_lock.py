"""Concurrency made explicit: link, families build and ingest take the store's rebuild lock,
and a link run never overrides review decisions recorded while it was scoring."""

from __future__ import annotations

import subprocess
import sys

import pytest

from link_batches import ingest_records, person
from reunify.actions.link import DecisionsChanged, link
from reunify.actions.review import decide_records
from reunify.models import Identity, LinkDecision, LinkRun, ReviewPair

#: Runs ``reunify ARGS…`` with a rendezvous in the write transaction: each run waits (up to
#: 20 s) until every other run is there too, so that without the lock their writes overlap.
_RENDEZVOUS = """
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from pathlib import Path
import reunify.actions.link as link_action
folder, me, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
write = link_action._write_identities
def meet_then_write(*args, **kwargs):
    (folder / me).touch()
    for _ in range(200):
        if len(list(folder.iterdir())) >= runs:
            break
        time.sleep(0.1)
    return write(*args, **kwargs)
link_action._write_identities = meet_then_write
from reunify.cli.main import main
sys.exit(main(sys.argv[4:]))
"""


def test_two_link_runs_at_once_both_succeed(store_env, run_cli, tmp_path):
    """Two `reunify link` whose scoring ends together on one store both exit 0 (the second no
    longer crashes on identity_record_unique: they run one after the other), and a families
    build started with them too; the ledger verifies."""
    batch, meet = tmp_path / "batch", tmp_path / "meet"
    meet.mkdir()
    assert run_cli("simulate", str(batch), "--families", "15", env=store_env).returncode == 0
    ingested = run_cli("ingest", str(batch), env=store_env)
    assert ingested.returncode == 0, ingested.stderr
    commands = (["link", "--engine", "deterministic"], ["link", "--engine", "deterministic"])
    runs = [subprocess.Popen([sys.executable, "-c", _RENDEZVOUS, str(meet), str(n), "2",
                              *command], env=store_env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for n, command in enumerate(commands)]
    runs.append(subprocess.Popen([sys.executable, "-m", "reunify.cli.main", "families",
                                  "build"], env=store_env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True))
    for process in runs:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, out + err
    verified = run_cli("ledger", "verify", env=store_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.django_db
def test_a_decision_recorded_while_a_link_run_scores_is_never_overridden(tmp_path):
    """A reviewer decides two records are different while the run scores (with the old
    decisions): the run refuses to write, saying why; the next run obeys the decision."""
    ingest_records(tmp_path, [
        person("border", "b1", "Ana", "Ruiz", "2012-05-01", a_number="A111111111"),
        person("shelter", "s1", "Ana", "Ruiz", "2012-05-01", a_number="A111111111"),
    ])

    def decide_meanwhile(step: str) -> None:
        if step == "scoring pairs" and not LinkDecision.objects.exists():
            decide_records(("border", "b1"), ("shelter", "s1"), LinkDecision.DIFFERENT,
                           reason="siblings' records, checked with the shelter",
                           actor="reviewer")

    with pytest.raises(DecisionsChanged, match="run `reunify link` again"):
        link(actor="tester", engine="deterministic", progress=decide_meanwhile)
    assert not LinkRun.objects.exclude(engine="incremental").exists()
    assert not ReviewPair.objects.filter(status=ReviewPair.SUPERSEDED).exists()
    link(actor="tester", engine="deterministic")
    persons = dict(Identity.objects.values_list("record_id", "person_id"))
    assert persons["b1"] != persons["s1"]
