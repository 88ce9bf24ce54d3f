"""Matching tracing requests: the child a family describes is found, nobody likely → none."""

from __future__ import annotations

import pytest
from django.utils import timezone

from link_batches import ingest_records, person
from reunify.actions.ingest import ingest_paths
from reunify.actions.link import link
from reunify.actions.tracing import decide_candidate, match_inquiries
from reunify.actions.tracing_intake import open_inquiries
from reunify.cli.main import main
from reunify.models import (
    Identity,
    Inquiry,
    InquiryCandidate,
    InquiryDecision,
    InquiryRecord,
    LedgerEntry,
    SourceFile,
)
from reunify.queries.tracing import caller_answer, inquiry_by_reference, unanswered
from reunify.simulator import simulate

pytestmark = pytest.mark.django_db

CHILDREN = [
    ("Guadalupe", "Tzul Ajanel", "2015-07-22", "F"),
    ("Ana Lucía", "García López", "2012-03-04", "F"),
    ("José", "Hernández Pérez", "2010-11-05", "M"), ("Carlos", "Xol Caal", "2008-02-03", "M"),
    ("María", "García Ramos", "2011-07-08", "F"), ("Rosa", "Caal Tiul", "2013-01-09", "F"),
    ("Luis", "Pérez Morales", "2009-06-30", "M"), ("Jesús", "López Cruz", "2014-09-14", "M"),
]


def _store(tmp_path) -> None:
    """A small simulated season (so the model trains on realistic records), and beside it each
    child above recorded by a station and (spelled differently) by a refuge; linked."""
    simulate(tmp_path / "season", families=150, seed=11)
    ingest_paths([p for p in (tmp_path / "season").iterdir()
                  if ".persons." in p.name or ".events." in p.name], actor="tester")
    records = []
    for n, (given, family, birth, sex) in enumerate(CHILDREN):
        records.append(person("station", f"b{n}", given.upper(), family.upper(), birth,
                              sex=sex))
        records.append(person("refuge", f"s{n}", given.split()[0], family, birth, sex=sex))
    records.append(person("station", "p0", "Rosa", "Tzul Ajanel", "1990-01-02", sex="F",
                          a_number="A201234567"))
    # One child recorded once with a year only, once with the full date.
    records.append(person("station", "y0", "MARTA", "LOPEZ REYES", "2012", sex="F",
                          a_number="A209876543"))
    records.append(person("refuge", "y1", "Marta", "López Reyes", "2012-10-03", sex="F",
                          a_number="A209876543"))
    ingest_records(tmp_path / "records", records)
    link(actor="tester", engine="splink")


def _inquiry(inquiry_id: str, **fields) -> None:
    """Store one inquiry as if ingested from a hotline file, and open its follow-up."""

    file = SourceFile.objects.create(batch_id=_batch(),
                                     name=f"{inquiry_id}.inquiries.csv", sha256=inquiry_id * 4,
                                     source="hotline", kind="inquiries", format="csv", size=1,
                                     rows=1)
    InquiryRecord.objects.create(source="hotline", inquiry_id=inquiry_id, file=file, line=2,
                                 content_hash=inquiry_id, at=fields.pop("at", timezone.now()),
                                 relation=fields.pop("relation", "parent"), **fields)
    open_inquiries(actor="tester", file_id=file.pk)


def _batch() -> int:
    from reunify.models import ImportBatch

    return ImportBatch.objects.order_by("pk").first().pk


def _person_of(source: str, record_id: str) -> int:
    return Identity.objects.get(source=source, record_id=record_id).person_id


def test_child_found_from_a_diminutive_the_mothers_surname_and_an_age(tmp_path):
    """"Lupita Ajanel, 2 years old" finds Guadalupe Tzul Ajanel first, with each comparison's
    weight (the prior first), and the inquirer (a recorded parent) is found too."""
    _store(tmp_path)
    import datetime as dt

    _inquiry("q1", at=dt.datetime(2018, 6, 1, tzinfo=dt.UTC), sought_given_name="Lupita",
             sought_family_name="Ajanel", sought_age="2", inquirer_given_name="Rosa",
             inquirer_family_name="Tzul Ajanel", inquirer_a_number="A201234567")
    counts = match_inquiries(actor="operator-1")
    assert counts["with_candidates"] == 1
    inquiry = Inquiry.objects.get(inquiry_id="q1")
    first = inquiry.candidates.get(rank=1)
    assert first.person_id == _person_of("station", "b0")
    names = [c["name"] for c in first.comparisons]
    assert names[0] == "prior"
    assert {"given_name", "family_name", "birth_date"} <= set(names)
    level = {c["name"]: c["level"] for c in first.comparisons}
    weight = {c["name"]: c["weight"] for c in first.comparisons}
    assert level["given_name"] == "first given name (or nickname) same"
    # The age is weighed as an age (two on the day asked), not as a date.
    assert level["age"] == "the age the inquirer gives"
    assert weight["age"] > 0
    assert level["birth_date"] == "unknown"
    assert weight["family_name"] > 0
    assert sum(weight.values()) == pytest.approx(first.match_weight, abs=0.01)
    assert inquiry.inquirer_person_id == _person_of("station", "p0")
    assert LedgerEntry.objects.filter(type="tracing.match").count() == 1


def test_nobody_likely_means_no_candidates(tmp_path):
    """A request for a child nobody recorded gets no candidate at all, not the least bad."""
    _store(tmp_path)
    _inquiry("q2", sought_given_name="Xochitl", sought_family_name="Zacarías Ozuna",
             sought_birth_date="2006-12-24", inquirer_given_name="Eva")
    match_inquiries(actor="operator-1", keys=[("hotline", "q2")])
    assert not InquiryCandidate.objects.exists()
    assert caller_answer(Inquiry.objects.get()).match is False


def test_day_and_month_swapped_and_one_surname(tmp_path):
    """José Hernández born 2010-05-11 (the record says 2010-11-05) is found first."""
    _store(tmp_path)
    _inquiry("q3", sought_given_name="Jose", sought_family_name="Hernandez",
             sought_birth_date="2010-05-11", inquirer_given_name="Ana")
    match_inquiries(actor="operator-1")
    first = InquiryCandidate.objects.get(rank=1)
    assert first.person_id == _person_of("refuge", "s2")
    assert "day and month swapped" in [c["level"] for c in first.comparisons]
    # "Hernandez" against "Hernández Pérez": compared as that one surname, and said so.
    family = next(c for c in first.comparisons if c["name"] == "family_name")
    assert "the one surname the inquiry names" in family["level"]
    assert family["weight"] > 0


def test_confirm_and_reject_are_recorded_with_actor_and_reason(tmp_path):
    """Confirming records the child found and the caseworker, in the ledger; rejecting the
    child found reopens the inquiry; a decision needs a reason; the operator's answer never
    says where the child is."""
    _store(tmp_path)
    _inquiry("q4", sought_given_name="Carlos", sought_family_name="Xol",
             sought_birth_date="2008", inquirer_given_name="Juan")
    match_inquiries(actor="operator-1")
    inquiry = Inquiry.objects.get()
    child = inquiry.candidates.get(rank=1).person_id
    with pytest.raises(ValueError, match="reason"):
        decide_candidate(inquiry.reference, child, "confirmed", reason=" ", actor="cw")
    decide_candidate(inquiry.reference, child, "confirmed", reason="mother named the shelter",
                     actor="caseworker-7")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.person_id, inquiry.caseworker) == ("found", child,
                                                                       "caseworker-7")
    answer = caller_answer(inquiry)
    assert (answer.match, answer.caseworker) == (True, "caseworker-7")
    assert not {"facility", "custodian", "address", "person"} & set(vars(answer))
    entry = LedgerEntry.objects.filter(type="tracing.decision").get()
    assert entry.actor == "caseworker-7"
    # The inquiry is attached to the child's case (opened, as the child had none), the
    # inquirer recorded on it as a contact.
    from reunify.models import Case, CaseStep

    case = Case.objects.get(person_id=child, closed__isnull=True)
    attached = CaseStep.objects.get(case=case, kind="inquiry_attached")
    assert attached.details["reference"] == inquiry.reference
    assert attached.details["inquirer"].startswith("Juan")
    assert entry.subject_rows.filter(subject=f"case:{case.public_id}").exists()
    decide_candidate(inquiry.reference, child, "rejected", reason="DNA says no",
                     actor="caseworker-7")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.person_id) == ("open", None)
    assert InquiryDecision.objects.count() == 2
    match_inquiries(actor="operator-1")
    assert inquiry.candidates.get(person_id=child).status == "rejected"


def test_reference_finds_the_inquiry_and_follow_up_lists_the_unanswered(tmp_path):
    """The reference number finds the inquiry again; an open inquiry older than N days with
    no decision is due for follow-up, a newer one not yet."""
    import datetime as dt

    _store(tmp_path)
    old = dt.datetime(2018, 6, 1, tzinfo=dt.UTC)
    _inquiry("q5", at=old, sought_given_name="Rosa", sought_family_name="Caal",
             inquirer_given_name="Eva")
    _inquiry("q6", sought_given_name="Luis", sought_family_name="Pérez",
             inquirer_given_name="Eva")
    q5 = Inquiry.objects.get(inquiry_id="q5")
    assert inquiry_by_reference(q5.reference) == q5
    assert [i.inquiry_id for i in unanswered(14)] == ["q5"]


def test_cli_match_show_decide_and_export(tmp_path, capsys):
    """`reunify tracing match/show/confirm` and `reunify export matches` with the spec's
    columns, best first."""
    _store(tmp_path)
    _inquiry("q7", sought_given_name="Chuy", sought_family_name="López",
             sought_birth_date="2014-09", inquirer_given_name="Eva")
    assert main(["tracing", "match", "--as", "op"]) == 0
    reference = Inquiry.objects.get().reference
    capsys.readouterr()
    assert main(["tracing", "show", reference.lower().replace("-", " ")]) == 0
    assert "given_name" in capsys.readouterr().out
    person = InquiryCandidate.objects.get(rank=1).person_id
    assert main(["tracing", "confirm", reference, f"P{person:07d}", "--reason", "photo",
                 "--as", "cw"]) == 0
    out = tmp_path / "matches.csv"
    assert main(["export", "matches", "--out", str(out), "--as", "op"]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "source,inquiry_id,rank,person_id,probability"
    assert lines[1].startswith(f"hotline,q7,1,P{person:07d},")


def test_simulated_season_end_to_end_beats_the_name_search(tmp_path, capsys):
    """On a simulated season (ingest, link, families, `reunify tracing match`), `reunify
    evaluate` finds most children first and far more than the plain name search does."""
    import json

    from reunify.actions.family import build_families

    simulate(tmp_path / "season", families=200, seed=4)
    ingest_paths([tmp_path / "season"], actor="tester")
    link(actor="tester", engine="splink")
    build_families(actor="tester")
    assert main(["tracing", "match", "--as", "op"]) == 0
    capsys.readouterr()
    truth = tmp_path / "truth"  # identities and inquiries only: this test scores tracing
    truth.mkdir()
    for name in ("truth.identities.csv", "truth.inquiries.csv"):
        (truth / name).write_bytes((tmp_path / "season" / name).read_bytes())
    assert main(["evaluate", str(truth), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["tracing"]["top1"] >= 0.9
    assert scores["tracing"]["top5"] >= scores["tracing"]["top1"]
    assert scores["tracing"]["top1"] > scores["name_search"]["top1"] + 0.3
    assert scores["tracing"]["false_confident"] <= scores["name_search"]["false_confident"]


def test_a_full_date_is_judged_against_the_persons_full_date(tmp_path):
    """A child recorded once with a year only and once with a full date: an inquiry with
    another full date of that year gets no confident answer (the year-only record alone would
    agree with it); with the recorded date it finds her, confidently."""
    _store(tmp_path)
    assert _person_of("station", "y0") == _person_of("refuge", "y1")
    _inquiry("q8", sought_given_name="Marta", sought_family_name="López Reyes",
             sought_birth_date="2012-04-17", inquirer_given_name="Eva")
    _inquiry("q9", sought_given_name="Marta", sought_family_name="López Reyes",
             sought_birth_date="2012-10-03", inquirer_given_name="Eva")
    match_inquiries(actor="operator-1")
    assert not InquiryCandidate.objects.filter(inquiry__inquiry_id="q8",
                                               probability__gte=0.5).exists()
    first = InquiryCandidate.objects.get(inquiry__inquiry_id="q9", rank=1)
    assert first.person_id == _person_of("refuge", "y1")
    assert first.probability >= 0.5

