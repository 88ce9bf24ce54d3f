"""Finding a person: by name (forgiving of accents, case and small misspellings), by A-number,
by a source's record id, or by a public id (``P0000123`` / ``F0000045``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q

from reunify.models import FamilyMember, Identity, PersonRecord
from reunify.queries.families import current_run, family_public_id, person_public_id

#: Names scoring below this (0…1, against the query) are not shown.
NAME_THRESHOLD = 0.72
_PUBLIC_ID = re.compile(r"^\s*([PF])0*(\d{1,12})\s*$", re.IGNORECASE)


@dataclass
class Hit:
    """A person found, with the record that matched and how well."""

    person_pk: int
    person_id: str
    name: str
    birth_date: str
    source: str
    record_id: str
    matched_on: str  # name | a_number | record_id | person_id | family_id
    score: float
    families: list[str]


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", bare.lower()).split())


def digits(text: str) -> str:
    """Only the digits of an A-number or phone as written."""
    return re.sub(r"\D", "", text)


def _name_score(query: str, given: str, family: str) -> float:
    """How well a record's name answers the query: every query word against its best name part,
    averaged, and the whole names compared; the better of the two."""
    q_tokens = query.split()
    parts = fold(f"{given} {family}").split()
    if not q_tokens or not parts:
        return 0.0
    per_token = sum(
        max(SequenceMatcher(None, t, p).ratio() for p in parts) for t in q_tokens
    ) / len(q_tokens)
    whole = SequenceMatcher(None, query, " ".join(parts)).ratio()
    return max(per_token, whole)


def search(
    query: str, *, visible: Collection[int] | None = None, limit: int = 50
) -> list[Hit]:
    """Persons answering ``query``, best first, one hit per person; ``visible`` (when given)
    restricts hits to those persons."""
    query = query.strip()[:200]
    if not query:
        return []
    hits: dict[int, Hit] = {}
    candidates: list[tuple[PersonRecord, str, float]] = []
    public = _PUBLIC_ID.match(query)
    if public:
        kind, number = public.group(1).upper(), int(public.group(2))
        if kind == "P":
            persons = [number]
        else:
            persons = list(FamilyMember.objects.filter(family_id=number)
                           .values_list("person_id", flat=True))
        matched = "person_id" if kind == "P" else "family_id"
        for record in _records_of_persons(persons):
            candidates.append((record, matched, 1.0))
    number = digits(query).lstrip("0")
    if len(number) >= 6 and len(digits(query)) == len(re.sub(r"[\sAa#-]", "", query)):
        # Stored as written ("A 200-123 451"): match the digits whatever stands between them.
        pattern = r"^[^0-9]*0*" + r"[^0-9]*".join(number) + r"[^0-9]*$"
        for record in PersonRecord.objects.filter(is_current=True, a_number__regex=pattern)[:200]:
            candidates.append((record, "a_number", 1.0))
    for record in PersonRecord.objects.filter(is_current=True, record_id=query)[:50]:
        candidates.append((record, "record_id", 1.0))
    folded = fold(query)
    if any(c.isalpha() for c in folded):
        for record in _name_candidates(query, folded, visible):
            score = _name_score(folded, record.given_name, record.family_name)
            if score >= NAME_THRESHOLD:
                candidates.append((record, "name", score))
    person_of = _persons_of_records({(r.source, r.record_id) for r, _, _ in candidates})
    for record, matched, score in sorted(candidates, key=lambda c: -c[2]):
        person = person_of.get((record.source, record.record_id))
        if person is None or (visible is not None and person not in visible):
            continue
        if person in hits and hits[person].score >= score:
            continue
        hits[person] = Hit(person, person_public_id(person),
                           " ".join(p for p in (record.given_name, record.family_name) if p),
                           record.birth_date, record.source, record.record_id, matched,
                           round(score, 3), [])
    ranked = sorted(hits.values(), key=lambda h: (-h.score, h.person_pk))[:limit]
    _attach_families(ranked)
    return ranked


def trigrams(word: str) -> set[str]:
    """Three-letter pieces of a word (the word itself when shorter)."""
    return {word[i:i + 3] for i in range(max(len(word) - 2, 1))}


def _name_candidates(query: str, folded: str, visible: Collection[int] | None):
    """Records whose name shares a three-letter piece with the query (as typed or without
    accents), so that one wrong or accented letter still finds them; for a user who sees only
    some persons, just those persons' records."""
    if visible is not None:
        return _records_of_persons(list(visible)[:5000])
    pieces: set[str] = set()
    for token in (*folded.split(), *query.lower().split()):
        pieces |= trigrams(token)
    prefilter = Q()
    for piece in pieces:
        prefilter |= Q(family_name__icontains=piece) | Q(given_name__icontains=piece)
    return PersonRecord.objects.filter(is_current=True).filter(prefilter)[:5000]


def _records_of_persons(persons: list[int]) -> list[PersonRecord]:
    keys = Identity.objects.filter(person_id__in=persons).values_list("source", "record_id")
    query = Q(pk__in=[])
    for source, record_id in keys:
        query |= Q(source=source, record_id=record_id)
    return list(PersonRecord.objects.filter(is_current=True).filter(query))


def _persons_of_records(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    if not keys:
        return {}
    by_source: dict[str, set[str]] = {}
    for source, record_id in keys:
        by_source.setdefault(source, set()).add(record_id)
    out = {}
    for source, ids in by_source.items():
        for record_id, person in Identity.objects.filter(
            source=source, record_id__in=ids
        ).values_list("record_id", "person_id"):
            out[(source, record_id)] = person
    return out


def _attach_families(hits: list[Hit]) -> None:
    run = current_run()
    if run is None or not hits:
        return
    by_person = {h.person_pk: h for h in hits}
    for person, family in FamilyMember.objects.filter(
        family__run=run, person_id__in=list(by_person)
    ).values_list("person_id", "family_id"):
        by_person[person].families.append(family_public_id(family))
