"""Tracing requests answered: candidates found, and a caseworker's word on them.

:func:`match_inquiries` ranks, for each inquiry, the persons it most likely seeks (with the
latest Splink link run's model, see :mod:`reunify.linkage.inquiry`) and the inquirer among
persons already recorded; :func:`decide_candidate` confirms or rejects a candidate. Each is one
transaction with its ledger entry. The ledger holds ids and counts only, never names.

Case attachment is a seam: confirming records the child found (``Inquiry.person``) and the
caseworker; attaching the inquiry to the child's reunification case and recording the inquirer
as a contact belongs to the casework module, which reads ``Inquiry.person`` (docs/tracing.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from reunify.actions.casework import open_case
from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.tracing_context import (
    CARER_RELATIONS,
    _person_records,
    _record_index,
    _store_context,
)
from reunify.linkage import inquiry as tracing
from reunify.linkage import inquiry_evidence as evidence
from reunify.linkage.comparisons import labels
from reunify.models import (
    Case,
    CaseStep,
    Inquiry,
    InquiryCandidate,
    InquiryDecision,
    InquiryRecord,
    LinkRun,
    Person,
)
from reunify.rules import dates
from reunify.rules.names import fold
from reunify.rules.rulings import check_ruling
from reunify.rules.tracing import next_status

DECISIONS = (InquiryCandidate.CONFIRMED, InquiryCandidate.REJECTED)
#: An inquirer is taken for a person already recorded from this probability on.
INQUIRER_PROBABILITY = 0.5


class NoModel(Exception):
    """Matching needs a Splink link run's trained model, and there is none yet."""


def _model_run() -> LinkRun:
    run = (LinkRun.objects.exclude(finished_at=None).filter(engine="splink")
           .order_by("-pk").first())
    if run is None or not run.model_json:
        raise NoModel("matching inquiries needs a Splink link run: run `reunify link` first")
    return run


@dataclass
class Answer:
    """What matching found for one inquiry: persons it may seek, and the inquirer if recorded."""

    candidates: list[tracing.Candidate]
    inquirer: tracing.Candidate | None


def _scored(run: LinkRun, index: tracing.RecordIndex, asking: list[dict],
            blocks: list[list[int]], trim: Iterable[int] = ()
            ) -> tuple[list[list[tuple]], dict[int, dict]]:
    """Score each of ``asking`` (records) against the records at its ``blocks`` positions, in
    one pass: per asking record, ``(person, weight, probability, (scores, pair, trimmed),
    record)`` tuples (:func:`_explain` reads a pair's comparisons); and the records read, by
    id. The ``trim`` asking records (persons sought) naming one surname are compared with
    each record's that surname alone (:func:`reunify.linkage.inquiry.one_surname_of`)."""
    from reunify.linkage.engine import score_listed

    positions = sorted({n for block in blocks for n in block})
    records = _person_records(index.records[n] for n in positions)
    slot: dict[int, int] = {}
    rows: list[dict] = []
    for n in positions:
        record = records.get(index.records[n])
        if record is not None:
            record["person"] = index.persons[n]
            slot[n] = len(asking) + len(rows)
            rows.append(record)
    compared = [[(slot[n], n) for n in block if n in slot] for block in blocks]
    trimmed: set[tuple[int, int]] = set()
    for i in trim:
        for k, (r, n) in enumerate(compared[i]):
            one = tracing.one_surname_of(asking[i], rows[r - len(asking)])
            if one is not None:
                compared[i][k] = (len(asking) + len(rows), n)
                trimmed.add((i, len(asking) + len(rows)))
                rows.append(one)
    wanted = tracing.feature_rows(asking)
    found = tracing.feature_rows(rows, first_id=len(asking))
    pairs = [(i, r) for i, block in enumerate(compared) for r, _n in block]
    scores = score_listed(run.model_json, wanted + found, pairs,
                          index.term_frequencies(wanted + found))
    weights = scores.weights
    out = [[(index.persons[n], *weights[(i, r)], (scores, (i, r), (i, r) in trimmed),
             index.records[n])
            for r, n in block if (i, r) in weights] for i, block in enumerate(compared)]
    return out, records


def _explain(key: tuple) -> list[dict]:
    scores, pair, trimmed = key
    found = scores.comparisons(pair)
    if trimmed:
        for comparison in found:
            if comparison["name"] == "family_name":
                comparison["level"] += " (the one surname the inquiry names, of the record's)"
    return found


def _precise(birth_date: str) -> bool:
    parsed = dates.parse(birth_date or "")
    return bool(parsed and parsed.precise)


def _most_precise(found: list[tuple], inquiry: dict, records: dict[int, dict]) -> list[tuple]:
    """When the inquirer gives a full birth date, a person is judged by their records with a
    full date if they have any: a year-only record agrees with any day of that year, while the
    person's full date may say it is another child."""
    if not _precise(inquiry.get("sought_birth_date") or ""):
        return found
    with_day = {s[0] for s in found if _precise(records.get(s[4], {}).get("birth_date", ""))}
    return [s for s in found if s[0] not in with_day
            or _precise(records.get(s[4], {}).get("birth_date", ""))]


def _told_age(inquiry: dict) -> tuple[int | None, dt.date]:
    """The age the inquirer gives instead of a birth date, and the day they gave it."""
    at = inquiry.get("at")
    on = at.date() if isinstance(at, dt.datetime) else dt.date.fromisoformat(str(at)[:10])
    if inquiry.get("sought_birth_date") or not str(inquiry.get("sought_age") or "").isdigit():
        return None, on
    return int(inquiry["sought_age"]), on


def _answer(inquiries: list[dict], run: LinkRun | None = None) -> list[Answer]:
    """Candidates for each inquiry (dicts of the ``inquiries`` columns); writes nothing.

    First the inquirer is looked for among persons; then the person sought, among the records
    the blocking finds and every child of the inquirer's family, each candidate weighed also
    by that family and by the place of separation the inquirer gives.
    """
    run = run or _model_run()
    index = _record_index(run)
    context = _store_context(index)
    bounds = evidence.age_bounds(
        labels(json.loads(run.model_json)).get("birth_date", {}))
    askers = [tracing.inquirer_record(q) for q in inquiries]
    people = [tracing.sought_record(q) for q in inquiries]
    blocks = [index.candidates(r) for r in people]
    # The inquirers and the persons sought in one pass (each pass has a fixed cost).
    both, records = _scored(run, index, askers + people,
                            [index.candidates(r) for r in askers] + blocks,
                            trim=range(len(askers), len(askers) + len(people)))
    asked, scored = both[:len(askers)], both[len(askers):]
    # The inquirer is not a request for someone recorded: the model's own prior holds.
    inquirers = [tracing.rank_persons(s, limit=3, floor=0.2, none_odds=1.0, explain=_explain)
                 for s in asked]
    kin: list[dict[int, float]] = []
    later: list[list[int]] = []
    for q, block, found in zip(inquiries, blocks, inquirers, strict=True):
        near: dict[int, float] = {}
        if q.get("relation") not in ("counsel", "other"):
            for c in found:
                for child in context.children_of_family.get(c.person, ()):
                    near[child] = max(near.get(child, 0.0), c.probability)
        kin.append(near)
        listed = set(block)
        later.append([n for child in near for n in index.positions_of.get(child, ())
                      if n not in listed])
    if any(later):
        # The children of the inquirer's family the names did not find: a second pass.
        more, found_records = _scored(run, index, people, later, trim=range(len(people)))
        scored = [a + b for a, b in zip(scored, more, strict=True)]
        records.update(found_records)
    places: dict[int, set[str]] = {}
    births: dict[int, list[str]] = {}
    surnames: dict[int, set[str]] = {}
    first_seen: dict[int, object] = {}
    for record in records.values():
        if "person" in record and record["seen_from"] is not None:
            known = first_seen.get(record["person"])
            if known is None or record["seen_from"] < known:
                first_seen[record["person"]] = record["seen_from"]
        if "person" in record:
            births.setdefault(record["person"], []).append(record["birth_date"] or "")
            places.setdefault(record["person"], set()).update(record["places"])
            surnames.setdefault(record["person"], set()).update(
                tracing.surname_keys_of(record["family_name"], record["given_name"]))
    answers = []
    for q, found, near, asker in zip(inquiries, scored, kin, inquirers, strict=True):
        found = _most_precise(found, q, records)
        stated = fold(q.get("last_seen_place") or "")
        kin_surnames = (tracing.surname_keys_of(q.get("inquirer_family_name") or "")
                        if q.get("relation") not in ("counsel", "other") else frozenset())
        persons = {s[0] for s in found}
        # The surnames of each candidate's recorded parents and guardians: an aunt shares
        # one with the child's mother, a child may be recorded by the father's alone.
        carer_names = {p: set().union(*(index.surnames_of.get(c, set())
                                        for c in context.carers_of.get(p, ())))
                       for p in persons}
        share = (sum(1 for p in persons if kin_surnames & (surnames.get(p, set())
                                                            | carer_names[p]))
                 / max(len(persons), 1))
        said = tracing.surname_keys_of(q.get("sought_family_name") or "",
                                       q.get("sought_given_name") or "")
        lacking = [p for p in persons if said and not said & index.surnames_of.get(p, set())]
        share_carer = (sum(1 for p in lacking if said & carer_names[p])
                       / max(len(lacking), 1))
        family_size = max(len(near), 1)
        asked = q.get("at")
        held = {p: first_seen[p] <= asked for p in {f[0] for f in found} if p in first_seen
                and asked is not None}
        share_held = sum(held.values()) / max(len(held), 1)
        age, on = _told_age(q)
        extra: dict[int, list[dict]] = {}
        for person in persons:
            added = []
            if person in near:
                added.append(evidence.family_comparison(True, near[person], context.children,
                                                       family_size))
            elif (asker and asker[0].probability >= INQUIRER_PROBABILITY
                  and q.get("relation") in ("parent", "guardian")):
                # A parent found in the record asks for a child of their own family.
                added.append(evidence.family_comparison(False, asker[0].probability,
                                                       context.children, family_size))
            elif (not (asker and asker[0].probability >= INQUIRER_PROBABILITY)
                  and q.get("relation") in CARER_RELATIONS
                  and person in context.carers_of):
                added.append(evidence.carer_comparison())
            if stated:
                added.append(evidence.place_comparison(
                    True, stated in places.get(person, ()), context.place_share.get(stated,
                                                                                    0.0)))
            if age is not None:
                added.append(evidence.age_comparison(
                    age, on, births.get(person, ()),
                    lambda k, on=on: index.age_share(k, on), bounds))
            added.append(evidence.custody_timing_comparison(held.get(person), share_held))
            added.append(evidence.separation_comparison(person in context.separated,
                                                       context.separated_share))
            added.append(evidence.inquirer_surname_comparison(
                kin_surnames, surnames.get(person, set()) | carer_names[person], share))
            added.append(evidence.carer_surname_comparison(
                said, index.surnames_of.get(person, set()), carer_names[person], share_carer))
            extra[person] = added
        best_asker = asker[0] if asker and asker[0].probability >= INQUIRER_PROBABILITY else None
        candidates = [c for c in tracing.rank_persons(found, extra=extra,
                                                      limit=tracing.MAX_CANDIDATES + 1,
                                                      explain=_explain)
                      if best_asker is None or c.person != best_asker.person]
        answers.append(Answer(candidates[:tracing.MAX_CANDIDATES], best_asker))
    return answers


def _inquiry_rows(keys: list[tuple[str, str]] | None) -> list[dict]:
    rows = InquiryRecord.objects.filter(is_current=True).order_by("source", "inquiry_id")
    if keys is not None:
        wanted = {tuple(k) for k in keys}
        rows = [r for r in rows.filter(inquiry_id__in=[k[1] for k in keys]).values()
                if (r["source"], r["inquiry_id"]) in wanted]
        return rows
    return list(rows.values())


def match_inquiries(*, actor: str, keys: list[tuple[str, str]] | None = None,
                    chunk: int = 500) -> dict[str, int]:
    """Find the candidates of every inquiry (or of those ``(source, inquiry_id)``) and store
    them, replacing the previous ones; decided candidates keep their decision. Returns counts."""
    if not actor or not actor.strip():
        raise ValueError("matching needs an actor")
    run = _model_run()
    inquiries = _inquiry_rows(keys)
    counts = {"inquiries": len(inquiries), "with_candidates": 0, "candidates": 0,
              "inquirers_recorded": 0}
    with in_transaction():
        follow = {(q.source, q.inquiry_id): q for q in Inquiry.objects.filter(
            inquiry_id__in=[r["inquiry_id"] for r in inquiries])}
        now = timezone.now()
        for start in range(0, len(inquiries), chunk):
            part = inquiries[start:start + chunk]
            for row, found in zip(part, _answer(part, run), strict=True):
                inquiry = follow[(row["source"], row["inquiry_id"])]
                decided = dict(InquiryDecision.objects.filter(inquiry=inquiry)
                               .order_by("decided_at", "pk").values_list("person_id",
                                                                          "decision"))
                InquiryCandidate.objects.filter(inquiry=inquiry).delete()
                InquiryCandidate.objects.bulk_create([InquiryCandidate(
                    inquiry=inquiry, rank=n + 1, person_id=c.person,
                    probability=c.probability, match_weight=c.match_weight,
                    comparisons=c.comparisons,
                    status=decided.get(c.person, InquiryCandidate.PROPOSED))
                    for n, c in enumerate(found.candidates)])
                inquiry.matched_at = now
                inquiry.inquirer_person_id = found.inquirer.person if found.inquirer else None
                inquiry.inquirer_probability = (found.inquirer.probability if found.inquirer
                                                else None)
                inquiry.save(update_fields=["matched_at", "inquirer_person",
                                            "inquirer_probability"])
                counts["with_candidates"] += bool(found.candidates)
                counts["candidates"] += len(found.candidates)
                counts["inquirers_recorded"] += found.inquirer is not None
        append_entry(actor=actor, type="tracing.match", subjects=[f"link_run:{run.pk}"],
                     payload={"link_run": run.pk, **counts})
    return counts


def decide_candidate(reference: str, person_id: int, decision: str, *, reason: str,
                     actor: str) -> InquiryDecision:
    """A caseworker's binding word: ``person_id`` is (``confirmed``) or is not (``rejected``)
    the person the inquiry ``reference`` seeks. Confirming records the child found and the
    caseworker who can call the inquirer back. Raises ``Inquiry.DoesNotExist`` for an unknown
    reference and ValueError for a person not proposed or a decision without a reason."""
    check_ruling(decision, DECISIONS, reason=reason, actor=actor)
    with in_transaction():
        inquiry = Inquiry.objects.select_for_update().get(reference=reference)
        next_status(inquiry.status, decision, about_found=inquiry.person_id == person_id)
        if not Person.objects.filter(pk=person_id).exists():
            raise ValueError(f"no person {person_id}")
        now = timezone.now()
        made = InquiryDecision.objects.create(inquiry=inquiry, person_id=person_id,
                                              decision=decision, reason=reason.strip(),
                                              actor=actor, decided_at=now)
        InquiryCandidate.objects.filter(inquiry=inquiry, person_id=person_id).update(
            status=decision)
        inquiry.answered_at = now
        inquiry.caseworker = actor
        inquiry.status = next_status(inquiry.status, decision,
                                     about_found=inquiry.person_id == person_id)
        if decision == InquiryCandidate.CONFIRMED:
            inquiry.person_id = person_id
        elif inquiry.person_id == person_id:
            inquiry.person_id = None
        inquiry.save(update_fields=["answered_at", "caseworker", "person", "status"])
        subjects = [f"{inquiry.source}:{inquiry.inquiry_id}", f"person:{person_id}",
                    f"inquiry_decision:{made.pk}"]
        if decision == InquiryCandidate.CONFIRMED:
            case = _attach_to_case(inquiry, person_id, actor=actor)
            subjects.append(f"case:{case.public_id}")
        append_entry(actor=actor, type="tracing.decision", subjects=subjects,
                     payload={"inquiry_decision": made.pk, "decision": decision,
                              "inquiry": inquiry.pk})
    return made


def _attach_to_case(inquiry: Inquiry, child: int, *, actor: str) -> Case:
    """The child's case (opened if the child has none not closed) with the inquiry attached:
    its reference and the inquirer's name, relation and phone as a contact of the case; an
    inquiring parent reunify holds as a person becomes the parent sought if the case seeks
    nobody yet. Inside the confirming transaction."""
    record = InquiryRecord.objects.filter(source=inquiry.source, inquiry_id=inquiry.inquiry_id,
                                          is_current=True).first()
    relation = record.relation if record else ""
    parent = inquiry.inquirer_person_id if relation in CARER_RELATIONS else None
    case = Case.objects.filter(person_id=child, closed__isnull=True).first()
    if case is None:
        case = open_case(child, actor=actor, on=timezone.now().date(),
                         reason=f"tracing inquiry {inquiry.reference} confirmed", parent=parent)
    elif case.parent_id is None and parent is not None:
        Case.objects.filter(pk=case.pk).update(parent_id=parent)
    CaseStep.objects.create(
        case=case, at=timezone.now(), actor=actor, kind="inquiry_attached",
        reason=f"tracing inquiry {inquiry.reference}",
        details={"reference": inquiry.reference, "relation": relation,
                 "inquirer": " ".join(p for p in (record.inquirer_given_name,
                                                  record.inquirer_family_name) if p)
                 if record else "",
                 "phone": record.inquirer_phone if record else "",
                 "inquirer_person": inquiry.inquirer_person_id})
    return case
