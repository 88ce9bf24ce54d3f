"""Small batches in the interchange format, and a way to see whether the store changed.

Used by the ingest tests: each writes a few files into a folder, ingests them through the CLI
in-process, and compares the store before and after.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps

from reunify.cli.main import main

PERSONS = (
    "source,record_id,family_name,given_name,birth_date,sex,country,a_number,group_id,"
    "group_role\n"
    "border,b1,García López,María José,1985-03-14,F,GT,A123456789,g1,parent\n"
    "border,b2,García,Ana,2013-07,F,GT,,g1,child\n"
    "border,b3,,Luis,2011,M,HN,,g2,child\n"
)
RELATIONS = (
    "source,record_id,relation,other_record_id,other_name,evidence\n"
    "border,b2,child_of,b1,,observed\n"
    "border,b3,child_of,,Rosa Martínez,\n"
)
EVENTS = (
    "source,event_id,record_id,type,at,custodian,facility,actor,authority,reason\n"
    "border,e1,b1,apprehended,2018-05-07T14:30:00-06:00,CBP,Ursula,,,\n"
    "border,e2,b2,separated,2018-05-08,CBP,Ursula,Agent 7,zero tolerance,parent prosecuted\n"
    "border,e3,b1,charged,2018-05-09T09:00,USAO,,,8 USC 1325,\n"
)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write one file of a batch (text as UTF-8) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def good_batch(folder: Path) -> Path:
    """A valid batch of the three kinds from source ``border``; returns the folder."""
    write(folder, "border.persons.csv", PERSONS)
    write(folder, "border.relations.csv", RELATIONS)
    write(folder, "border.events.csv", EVENTS)
    return folder


def store_snapshot() -> dict[str, list[tuple]]:
    """Every row of every reunify table, in primary-key order: equal snapshots, equal stores."""
    return {
        model._meta.db_table: list(model.objects.order_by("pk").values_list())
        for model in apps.get_app_config("reunify").get_models()
    }


def ingest(capsys, *paths: Path, actor: str = "test-clerk") -> tuple[int, str, str]:
    """Run ``reunify ingest PATHS --as ACTOR`` in this process; (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = main(["ingest", *map(str, paths), "--as", actor])
    captured = capsys.readouterr()
    return status, captured.out, captured.err
