"""Deciding name-only claims nothing corroborated: a person rules whom the claim names.

A claim ("my mother is María López", written on a child's record) that fits an adult by name
only, with nothing else recorded that agrees, is not acted on by the family build: it is a
review item (``FamilyClaim``). A person decides it — it names this person, or nobody reunify
holds — with a reason; the decision is stored for good and binds every later family build.
"""

from __future__ import annotations

from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.models import ClaimDecision, FamilyClaim, Person
from reunify.rules.rulings import check_ruling

DECISIONS = (ClaimDecision.ACCEPTED, ClaimDecision.REJECTED)


def decide_claim(claim_pk: int, decision: str, *, reason: str, actor: str,
                 person_pk: int | None = None) -> ClaimDecision:
    """Record a decision on a claim: ``accepted`` names ``person_pk`` as the one the claim
    means; ``rejected`` says it names nobody reunify holds. Takes effect at the next build."""
    check_ruling(decision, DECISIONS, reason=reason, actor=actor)
    if (decision == ClaimDecision.ACCEPTED) != (person_pk is not None):
        raise ValueError("accepting a claim names the person it means; rejecting names nobody")
    with in_transaction():
        claim = FamilyClaim.objects.get(pk=claim_pk)
        if person_pk is not None and not Person.objects.filter(pk=person_pk).exists():
            raise ValueError(f"no person P{person_pk:07d}")
        made = ClaimDecision.objects.create(
            source=claim.source, record_id=claim.record_id, relation=claim.relation,
            other_name=claim.other_name, person_id=person_pk, decision=decision,
            actor=actor, reason=reason.strip(), decided_at=timezone.now())
        subjects = [f"{claim.source}:{claim.record_id}", f"claim_decision:{made.pk}"]
        if person_pk is not None:
            subjects.append(f"person:{person_pk}")
        append_entry(actor=actor, type="family.claim_decision", subjects=subjects,
                     payload={"claim": claim.pk, "claim_decision": made.pk,
                              "decision": decision, "person": person_pk})
    return made
