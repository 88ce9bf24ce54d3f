"""The evidence only an inquiry has, each as one line of a candidate's explanation.

Beyond the linkage model's comparisons of names and dates (:mod:`reunify.linkage.inquiry`),
a tracing request tells who asks and what they know: the inquirer's family, the place and day
of separation, an age instead of a date, surnames shared with the inquirer or the child's
parents. Each function here weighs one such finding as log2 of a Bayes factor (how much
likelier it is when the candidate is the one sought than by chance), with its level, in the
form of the model's comparisons (``name``, ``level``, ``weight``). Plain data, no database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping

from reunify.rules import dates

#: How much likelier a child of the inquirer's own family is the one sought than any child,
#: at most (a Bayes factor, log2): the family is found from the records, and may be wrong.
MAX_FAMILY_WEIGHT = 10.0
#: A stated place of separation matches one of the person's custody places: at most this weight.
MAX_PLACE_WEIGHT = 5.0


def family_comparison(in_family: bool | None, inquirer_probability: float, children: int,
                      family_children: int) -> dict:
    """Whether a candidate is a child of the family of the person the inquirer is taken for.

    A parent asks for their own child: being one of the ``family_children`` of that family,
    among ``children`` in the store, is strong evidence, weighed by how sure the inquirer's
    match is; not being one counts against, less strongly (families are not always whole).
    """
    if in_family is None:
        return {"name": "inquirer_family", "level": "unknown", "weight": 0.0}
    if in_family:
        factor = min(2 ** MAX_FAMILY_WEIGHT, children / max(family_children, 1))
        weight = math.log2(1 + inquirer_probability * (factor - 1))
        level = f"a child of the inquirer's family (inquirer matched at {inquirer_probability:.2f})"
    else:
        weight = math.log2(1 - 0.75 * inquirer_probability)
        level = "not a child of the family of the person the inquirer matched"
    return {"name": "inquirer_family", "level": level, "weight": round(weight, 3)}


def place_comparison(stated: bool, matched: bool, share: float) -> dict:
    """The place of separation the inquirer gives, against the places the person was held
    (``share``: the part of all records held at that place, how little agreement proves)."""
    if not stated:
        return {"name": "last_seen_place", "level": "unknown", "weight": 0.0}
    if matched:
        weight = min(MAX_PLACE_WEIGHT, _for(0.8, share))
        return {"name": "last_seen_place", "level": "held at the place the inquirer names",
                "weight": round(weight, 3)}
    return {"name": "last_seen_place", "level": "never held at the place the inquirer names",
            "weight": round(_against(0.2, 1 - share), 3)}


#: How often the person sought was separated from the inquirer in the records (a request is
#: made because the family is apart; some children sought came alone, or their separation was
#: not recorded), and how often an inquirer shares a surname with them (Spanish surnames pass
#: from both parents; an in-law or a godparent shares none). Assumptions, not trained values.
SEPARATED_WHEN_SOUGHT = 0.75
SURNAME_SHARED_WHEN_SOUGHT = 0.8


def _for(when_sought: float, by_chance: float) -> float:
    """log2 of the Bayes factor of a finding, never below 0: where chance explains it as well
    (a place most candidates were held at), it proves nothing rather than the opposite."""
    return max(0.0, math.log2(when_sought / max(by_chance, 1e-6)))


def _against(when_sought: float, by_chance: float) -> float:
    """log2 of the Bayes factor of a finding's absence, never above 0."""
    return min(0.0, math.log2(when_sought / max(by_chance, 1e-6)))


def separation_comparison(separated: bool, share: float) -> dict:
    """Whether the records show the candidate separated from family (``share``: the part of
    all persons they show so)."""
    share = min(max(share, 0.01), 0.99)
    if separated:
        return {"name": "separation", "level": "separated from family in the records",
                "weight": round(_for(SEPARATED_WHEN_SOUGHT, share), 3)}
    return {"name": "separation", "level": "never recorded separated",
            "weight": round(_against(1 - SEPARATED_WHEN_SOUGHT, 1 - share), 3)}


def inquirer_surname_comparison(inquirer_surnames: frozenset[str],
                                candidate_surnames: set[str], share: float) -> dict:
    """Whether the inquirer (a relative) shares a surname with the candidate; ``share``: how
    often a candidate does by chance."""
    if not inquirer_surnames or not candidate_surnames:
        return {"name": "inquirer_surname", "level": "unknown", "weight": 0.0}
    share = min(max(share, 0.01), 0.99)
    if inquirer_surnames & candidate_surnames:
        return {"name": "inquirer_surname", "level": "shares a surname with the inquirer",
                "weight": round(_for(SURNAME_SHARED_WHEN_SOUGHT, share), 3)}
    return {"name": "inquirer_surname", "level": "shares no surname with the inquirer",
            "weight": round(_against(1 - SURNAME_SHARED_WHEN_SOUGHT, 1 - share), 3)}


#: How far an age told is from the child's age in the records on the day asked, when the
#: records are the child's: as said, a year off, further (ages are told from memory, a
#: relative's more loosely than a parent's). Assumptions, not trained values.
AGE_TOLD = (0.7, 0.25, 0.05)


def record_ages(birth_date: str, on: dt.date) -> set[int]:
    """The ages a recorded birth date allows on ``on``: one for a full date, two for a year
    or a month alone (or the 1st of January, often a default)."""
    parsed = dates.parse(birth_date or "")
    if parsed is None:
        return set()
    if parsed.precise:
        born = dt.date(parsed.year, parsed.month, parsed.day)
        return {on.year - born.year - ((on.month, on.day) < (born.month, born.day))}
    return {on.year - parsed.year - 1, on.year - parsed.year}


def age_comparison(age: int, on: dt.date, birth_dates: Iterable[str],
                   share: Callable[[int], float],
                   bounds: tuple[float, float] = (-math.inf, math.inf)) -> dict:
    """An age told instead of a birth date, against the ages the person's recorded birth dates
    allow on the day asked (full dates first, if the person has any); ``share(k)``: the part
    of the records aged ``k`` then (how often an age agrees by chance). ``bounds``: the
    weights of the model's birth-date comparison, a bare year disagreeing and agreeing (an age
    proves no more than a bare year does, nor less)."""
    known = [d for d in birth_dates if dates.parse(d or "")]
    full = [d for d in known if dates.parse(d).precise]
    ages: set[int] = set()
    for d in full or known:
        ages |= record_ages(d, on)
    if not ages:
        return {"name": "age", "level": "unknown", "weight": 0.0}
    off = min(abs(a - age) for a in ages)
    near = share(age - 1) + share(age + 1)
    if off == 0:
        level, when_sought, by_chance = "the age the inquirer gives", AGE_TOLD[0], share(age)
    elif off == 1:
        level, when_sought, by_chance = "a year off the age given", AGE_TOLD[1], near
    else:
        level, when_sought, by_chance = (f"{off} years off the age given", AGE_TOLD[2],
                                         1 - share(age) - near)
    weight = math.log2(when_sought / min(max(by_chance, 1e-3), 0.999))
    weight = min(max(weight, bounds[0]), bounds[1])
    return {"name": "age", "level": level, "weight": round(weight, 3)}


#: The level of the model's birth-date comparison that an age agreeing is worth at most.
BARE_YEAR_LEVEL = "same year, one date a default or a bare year"


def age_bounds(birth_date_levels: Mapping[int, tuple[str, float]]) -> tuple[float, float]:
    """(lowest, highest) weight of an age told: the model's birth dates differing, and a bare
    year agreeing (``birth_date_levels``: the model's levels, value → (label, weight))."""
    weights = [w for label, w in birth_date_levels.values() if label != "unknown"]
    top = [w for label, w in birth_date_levels.values() if label == BARE_YEAR_LEVEL]
    if not weights:
        return (-math.inf, math.inf)
    return (min(weights), top[0] if top else max(weights))


#: How often a parent asking for a child whose parent the records hold is not found among the
#: persons themselves (the other parent, at home; a name said otherwise). An assumption.
ASKING_PARENT_UNRECORDED = 0.4


def carer_comparison() -> dict:
    """A parent asks who is found among no persons, for a candidate whose family in the
    records has a parent or guardian: the records' carers are not the inquirer."""
    return {"name": "inquirer_family",
            "level": "the inquirer is not found, the candidate's recorded parent is",
            "weight": round(math.log2(ASKING_PARENT_UNRECORDED), 3)}


#: How often a surname said that none of the child's records holds is one of a recorded
#: parent's (a family names the child by the mother's surname; a border record wrote the
#: father's alone). An assumption, not a trained value.
PARENT_SURNAME_WHEN_SOUGHT = 0.8


def carer_surname_comparison(said: frozenset[str], own: set[str], carers: set[str],
                             share: float) -> dict:
    """A surname said of the person sought that none of the candidate's records holds, held by
    a parent or guardian of the candidate's recorded family (``share``: how often a candidate
    whose records lack it has such a parent by chance)."""
    if not said or said & own or not said & carers:
        return {"name": "parent_surname", "level": "unknown", "weight": 0.0}
    return {"name": "parent_surname",
            "level": "the surname given is a recorded parent's, not on the child's records",
            "weight": round(_for(PARENT_SURNAME_WHEN_SOUGHT, min(max(share, 0.01), 0.99)), 3)}


#: How often the person sought was already in custody on the day of the inquiry (a family asks
#: after a separation; a child may also be apprehended after the family first asked).
HELD_BEFORE_ASKED = 0.9


def custody_timing_comparison(held_before: bool | None, share_before: float) -> dict:
    """Whether the records show the candidate in custody before the inquiry was made
    (``share_before``: the part of the candidates who were)."""
    if held_before is None:
        return {"name": "custody_timing", "level": "unknown", "weight": 0.0}
    if held_before:
        # Most candidates were: being one of them proves little, and weighing it would lift
        # every namesake of a child who was never recorded.
        return {"name": "custody_timing", "level": "in custody before the inquiry",
                "weight": 0.0}
    return {"name": "custody_timing", "level": "first in custody after the inquiry",
            "weight": round(_against(1 - HELD_BEFORE_ASKED, 1 - share_before), 3)}
