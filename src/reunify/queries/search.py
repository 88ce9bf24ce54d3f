"""Finding a person: by name (forgiving of accents, case and small misspellings), by A-number,
by a source's record id, or by a public id (``P0000123`` / ``F0000045``)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Max
from rapidfuzz.distance import Indel

from reunify.models import Family, FamilyMember, Identity, PersonRecord, SourceFile
from reunify.models.keys import with_keys
from reunify.queries.families import current_run, family_public_id, person_public_id
from reunify.rules import anumber
from reunify.rules.names import fold

#: Names scoring below this (0…1, against the query) are not shown.
NAME_THRESHOLD = 0.72
#: A word of a name is "like" a word of the query at this similarity (0…1) or more.
WORD_THRESHOLD = 0.75
#: Records the name index proposes for scoring against their current names.
CANDIDATES = 200
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
    #: The store keys of ``families`` (current families), in the same order.
    family_keys: list[int] = field(default_factory=list)


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
        max(Indel.normalized_similarity(t, p) for p in parts) for t in q_tokens
    ) / len(q_tokens)
    whole = Indel.normalized_similarity(query, " ".join(parts))
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
            # The public number is the family's lasting number in the latest run, not its
            # key: every build stores its families anew, under new keys.
            persons = list(FamilyMember.objects.filter(family__run=current_run(),
                                                       family__number=number)
                           .values_list("person_id", flat=True))
        matched = "person_id" if kind == "P" else "family_id"
        for record in _records_of_persons(persons):
            candidates.append((record, matched, 1.0))
    number = anumber.normalise(query).lstrip("0")
    if number and len(digits(query)) == len(re.sub(r"[\sAa#-]", "", query)):
        # Stored as written ("A 200-123 451"), found by its digits (an indexed key).
        for record in PersonRecord.objects.filter(a_number_key=number,
                                                  is_current=True)[:200]:
            candidates.append((record, "a_number", 1.0))
    if not any(c.isspace() for c in query):
        # Whatever the source: named, so that the records' unique index (source first) finds
        # the id in each instead of a pass over every record (each file holds one source).
        sources = set(SourceFile.objects.filter(kind="persons").values_list("source", flat=True))
        for record in PersonRecord.objects.filter(source__in=sorted(sources), is_current=True,
                                                  record_id=query)[:50]:
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
    """The three-letter pieces of a word, its ends marked: ``ana`` → `` an``, ``ana``, ``na ``."""
    padded = f" {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class NameIndex:
    """Every word of every current name (accents folded), the records that carry it, and the
    words by their three-letter pieces.

    Kept per process and rebuilt when records were added; it only proposes candidates: hits are
    scored and shown from the records as they are now (an erased name never shows).
    """

    def __init__(self) -> None:
        self.version: int | None = None
        self.records: dict[str, list[int]] = {}
        self.words_of: dict[str, list[str]] = {}

    def refresh(self) -> None:
        latest = PersonRecord.objects.aggregate(latest=Max("pk"))["latest"] or 0
        if latest == self.version:
            return
        records: dict[str, list[int]] = {}
        rows = PersonRecord.objects.filter(is_current=True).values_list(
            "pk", "given_name", "family_name")
        for pk, given, family in rows.iterator(chunk_size=20000):
            for word in set(fold(f"{given} {family}").split()):
                records.setdefault(word, []).append(pk)
        words_of: dict[str, list[str]] = {}
        for word in records:
            for piece in trigrams(word):
                words_of.setdefault(piece, []).append(word)
        self.records, self.words_of, self.version = records, words_of, latest

    def similar(self, word: str) -> dict[str, float]:
        """Indexed words like ``word`` and how alike (``WORD_THRESHOLD`` or more): words that
        share three-letter pieces with it, compared."""
        pieces = trigrams(word)
        shared: Counter[str] = Counter()
        for piece in pieces:
            shared.update(self.words_of.get(piece, ()))
        # One wrong letter spoils at most three pieces; keep words that kept a third of them.
        enough = max(1, len(pieces) // 3)
        out = {}
        for candidate, count in shared.items():
            if count < enough:
                continue
            ratio = Indel.normalized_similarity(candidate, word)
            if ratio >= WORD_THRESHOLD:
                out[candidate] = ratio
        return out

    def best(self, folded: str, *, limit: int) -> list[int]:
        """Records whose name words best answer the query's words: each query word scores the
        likeness of the record's best word (0 when none is alike), averaged; best first.

        A word of one letter (an initial, or what is left of ``F0000045`` once folded) proposes
        nothing: it would propose every name with that initial. It still counts when the
        proposed records are scored against the whole query."""
        words = [w for w in folded.split() if len(w) > 1]
        if not words:
            return []
        self.refresh()
        totals: dict[int, float] = {}
        for word in words:
            best_of: dict[int, float] = {}
            for similar, ratio in self.similar(word).items():
                for pk in self.records[similar]:
                    if ratio > best_of.get(pk, 0.0):
                        best_of[pk] = ratio
            for pk, ratio in best_of.items():
                totals[pk] = totals.get(pk, 0.0) + ratio
        floor = NAME_THRESHOLD * len(words)
        ranked = sorted((pk for pk, total in totals.items() if total >= floor),
                        key=lambda pk: (-totals[pk], pk))
        return ranked[:limit]


_INDEX = NameIndex()
_INDEX_LOCK = threading.Lock()


def _name_candidates(query: str, folded: str, visible: Collection[int] | None):
    """Records whose name has a word like one of the query's (one or two letters off, accents
    ignored); for a user who sees only some persons, just those persons' records."""
    if visible is not None:
        return _records_of_persons(list(visible)[:5000])
    with _INDEX_LOCK:
        pks = _INDEX.best(folded, limit=CANDIDATES)
    return list(PersonRecord.objects.filter(pk__in=pks, is_current=True))


def _records_of_persons(persons: list[int]) -> list[PersonRecord]:
    # By the records' keys (the unique index), not a join over every record of the store.
    keys = Identity.objects.filter(person_id__in=persons).values_list("source", "record_id")
    return [record for part in with_keys(PersonRecord.objects.filter(is_current=True), keys)
            for record in part]


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
    memberships = list(FamilyMember.objects.filter(person_id__in=list(by_person))
                       .values_list("person_id", "family_id"))
    current = dict(Family.objects.filter(pk__in={f for _, f in memberships}, run=run)
                   .values_list("pk", "number"))
    for person, family in sorted(memberships):
        if family in current:
            by_person[person].families.append(family_public_id(current[family]))
            by_person[person].family_keys.append(family)
