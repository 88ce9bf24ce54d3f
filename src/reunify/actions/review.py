"""Deciding review pairs: a person rules two records the same person, or not.

A decision is stored for good (``LinkDecision``: who, why, when; never deleted nor changed) and
binds every later link run: ``same`` pairs always end in one person, ``different`` pairs never
do. A later decision on the same pair overrides an earlier one, and both stay on record.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.models import LinkDecision, PersonRecord, ReviewPair
from reunify.rules.rulings import check_ruling

DECISIONS = (LinkDecision.SAME, LinkDecision.DIFFERENT)


class StaleReview(Exception):
    """The pair changed (someone decided it, or a link run superseded it) since it was seen."""


class UnknownRecord(ValueError):
    """A decision named a record reunify does not hold."""


def _pair_version(pk: int, status: str) -> str:
    """A review pair's version for optimistic concurrency; the same formula as the review
    queue's (``reunify.queries.review_queue.pair_version``): it changes with the status."""
    return hashlib.sha256(f"review-pair:{pk}:{status}".encode()).hexdigest()[:20]


def _check(decision: str, reason: str, actor: str) -> None:
    check_ruling(decision, DECISIONS, reason=reason, actor=actor)


def _record(source: str, record_id: str) -> None:
    if not PersonRecord.objects.filter(source=source, record_id=record_id).exists():
        raise UnknownRecord(f"no person-record {source}:{record_id}")


def _store(left: tuple[str, str], right: tuple[str, str], decision: str, *, reason: str,
           actor: str, pair: ReviewPair | None) -> LinkDecision:
    made = LinkDecision.objects.create(
        left_source=left[0], left_record_id=left[1], right_source=right[0],
        right_record_id=right[1], decision=decision, actor=actor, reason=reason.strip(),
        decided_at=timezone.now(),
    )
    subjects = [f"{left[0]}:{left[1]}", f"{right[0]}:{right[1]}", f"link_decision:{made.pk}"]
    payload = {"link_decision": made.pk, "decision": decision}
    if pair is not None:
        subjects.append(f"review_pair:{pair.pk}")
        payload["review_pair"] = pair.pk
    append_entry(actor=actor, type="link.decision", subjects=subjects, payload=payload)
    return made


def decide_pair(pair_pk: int, decision: str, *, reason: str, actor: str,
                expected_version: str | None = None) -> LinkDecision:
    """Decide an open review pair: ``same`` (accept) or ``different`` (reject).

    ``expected_version`` is the pair's version as the person saw it; raises
    :class:`StaleReview` when the pair is no longer open or its version changed, and
    ``ReviewPair.DoesNotExist`` for an unknown pair.
    """
    _check(decision, reason, actor)
    with in_transaction():
        pair = ReviewPair.objects.select_for_update().get(pk=pair_pk)
        if pair.status != ReviewPair.OPEN:
            raise StaleReview(f"review pair {pair_pk} is {pair.status}, no longer open")
        if expected_version is not None and expected_version != _pair_version(pair.pk,
                                                                             pair.status):
            raise StaleReview(f"review pair {pair_pk} changed since it was seen")
        pair.status = ReviewPair.ACCEPTED if decision == LinkDecision.SAME else \
            ReviewPair.REJECTED
        pair.save(update_fields=["status"])
        return _store((pair.left_source, pair.left_record_id),
                      (pair.right_source, pair.right_record_id), decision, reason=reason,
                      actor=actor, pair=pair)


def decide_records(left: tuple[str, str], right: tuple[str, str], decision: str, *,
                   reason: str, actor: str) -> LinkDecision:
    """Decide any two records (``(source, record_id)`` each), reviewed or not: a person who
    knows two records are (or are not) one person says so, and every later run obeys."""
    _check(decision, reason, actor)
    if left == right:
        raise ValueError("a decision needs two different records")
    with in_transaction():
        _record(*left)
        _record(*right)
        return _store(left, right, decision, reason=reason, actor=actor, pair=None)
