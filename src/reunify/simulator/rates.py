"""Every rate the simulator draws with, in one place (docs/simulator.md explains each).

Population rates are per family unit or per person; noise rates are per recorded field and are
applied independently by every source that records the field (sources differ: ``SOURCE_STYLE``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SEASON_START = dt.date(2018, 4, 1)
SEASON_END = dt.date(2018, 7, 31)
#: The Attorney General's zero-tolerance memo, its full implementation, and the executive order
#: that ended new separations.
MEMO_DATE = dt.date(2018, 4, 6)
FULL_ZERO_TOLERANCE = dt.date(2018, 5, 7)
EXECUTIVE_ORDER = dt.date(2018, 6, 20)
COURT_ORDER = dt.date(2018, 6, 26)
DEFAULT_AS_OF = dt.date(2018, 9, 30)


@dataclass(frozen=True)
class Rates:
    """The simulator's parameters. Defaults give a plausible 2018 season."""

    # --- population -----------------------------------------------------------------------
    #: Children per family unit: P(1), P(2), P(3), P(4). Mean ≈ 1.25.
    children: tuple[float, ...] = (0.80, 0.15, 0.04, 0.01)
    #: Family units with two parents (otherwise one adult).
    two_parents: float = 0.06
    #: Single-adult units whose adult is not a parent: a guardian (grandparent) or a relative.
    guardian: float = 0.025
    relative: float = 0.02
    #: The lone parent is the father (most separated parents in 2018 were fathers).
    father: float = 0.6
    #: Child age bands: (min years, max years, weight). ≈ 2 % under 1, ≈ 15 % under 5.
    child_ages: tuple[tuple[int, int, float], ...] = ((0, 0, 0.02), (1, 4, 0.13), (5, 11, 0.40),
                                                      (12, 17, 0.45))
    #: A second child of the same birth as the first (twins), per family with 2+ children.
    twins: float = 0.08
    #: Children of a lone mother who carry her two surnames (not their father's first).
    mother_surnames_only: float = 0.15
    #: A son named exactly as his father ("Juan Carlos Pérez" Sr/Jr), per father-son pair.
    junior: float = 0.10
    #: Adults who travel alone and children who arrive unaccompanied, per family unit.
    single_adults_per_family: float = 0.6
    unaccompanied_per_family: float = 0.3
    #: Mayan-language speakers (K'iche', Q'eqchi', Mam) among Guatemalans.
    mayan: float = 0.4
    countries: tuple[tuple[str, float], ...] = (("GT", 0.42), ("HN", 0.30), ("SV", 0.14),
                                                 ("MX", 0.09), ("EC", 0.02), ("BR", 0.01),
                                                 ("NI", 0.01), ("CU", 0.005), ("IN", 0.005))
    #: Compound given names ("María José"), per person.
    compound_given: float = 0.35
    #: A phone number the person carries (adults; children repeat a parent's).
    phone: float = 0.7

    # --- what happens (per family unit) ---------------------------------------------------
    #: Separation probability by apprehension period: before full zero tolerance, during it,
    #: after the executive order.
    separated_before: float = 0.25
    separated_during: float = 0.85
    separated_after: float = 0.05
    #: Families presenting at a port of entry (asylum seekers; not prosecuted).
    separated_at_port: float = 0.1
    #: Outcomes of a separated family: reunified, parent removed without the child, child
    #: discharged to a sponsor, still separated, whereabouts of someone lost. Sum = 1.
    outcomes: tuple[tuple[str, float], ...] = (("reunified", 0.60), ("parent_removed", 0.13),
                                               ("sponsor", 0.14), ("separated", 0.08),
                                               ("lost", 0.05))
    #: Families not separated: removed together (the rest are released together).
    removed_together: float = 0.10
    #: After reunification the family is removed together (the rest are released together).
    removed_after_reunification: float = 0.25
    #: Families never separated whom the Border Patrol itself releases (else via a family centre).
    border_release_together: float = 0.4
    #: A child placed in the first sibling's shelter; siblings placed together recorded as such.
    siblings_same_shelter: float = 0.8
    sibling_relation: float = 0.5
    #: A child moved once to another shelter or foster programme.
    shelter_transfer: float = 0.15
    #: "Parent removed": the child is later discharged to a sponsor (else stays in ORR care).
    discharged_after_parent_removed: float = 0.5
    #: "Sponsor": the parent is released on bond, or removed (else still detained).
    sponsor_parent_released: float = 0.45
    sponsor_parent_removed: float = 0.35
    #: "Lost": it is the parent's trail that goes cold (else the children's).
    lost_parent: float = 0.5
    #: The prosecutor declines the case.
    declined: float = 0.12
    #: Single adults: prosecuted; then removed (else released or still detained).
    single_prosecuted: float = 0.7
    single_removed: float = 0.6
    single_released: float = 0.25
    #: A removed single adult comes back and is apprehended again (illegal re-entry).
    reentry: float = 0.05
    single_adult_male: float = 0.8
    #: Unaccompanied children discharged to a sponsor by the as-of date (else still in care).
    uac_discharged: float = 0.65
    uac_male: float = 0.7
    #: Unaccompanied children aged 13-17 (else 6-12).
    uac_teen: float = 0.85
    #: An unaccompanied child names a parent at home in the shelter interview.
    uac_names_parent: float = 0.4
    #: A detainee or child moved to another facility (per stay).
    transfer: float = 0.3
    #: A separated child in ORR care who named a parent speaks with them, and when: this many
    #: days after placement (uniform). The shelter writes the day on its child_of row
    #: (``first_contact``); many calls came after the court's 10 days.
    first_contact: float = 0.85
    first_contact_days: tuple[int, int] = (1, 21)

    # --- record keeping (per person-record unless said) -----------------------------------
    #: Same person recorded twice in one source under a new record_id (re-encounter, transfer
    #: re-booked as a new record, a second shelter case file).
    reencounter: dict[str, float] = field(default_factory=lambda: {
        "border": 0.02, "docket": 0.01, "detention": 0.05, "shelter": 0.04})
    #: A parent's border record lost its family-unit link (no group_id).
    group_link_lost: float = 0.08
    #: A parent_of relation the border should have written is missing.
    relation_lost: float = 0.10
    #: A child's shelter interview names no parent (no child_of relation).
    child_names_nobody: float = 0.10
    #: What else a child's interview records about the named parent.
    other_birth_date: float = 0.2
    other_phone: float = 0.35
    other_a_number: float = 0.1

    # --- noise in fields (per recorded value) ---------------------------------------------
    #: Accents dropped by a child naming a parent (sources: ``SOURCE_STYLE`` no_accents).
    drop_accents: float = 0.6
    one_surname: float = 0.30
    surnames_swapped: float = 0.05
    surnames_hyphenated: float = 0.04
    compound_cut: float = 0.5
    nickname: float = 0.10
    spelling_variant: float = 0.15
    mayan_by_ear: float = 0.5
    typo: float = 0.02
    #: Given names written as the family name and the other way round.
    name_fields_swapped: float = 0.01
    #: A language written another way (Spanish, kiche, kekchi, ...).
    language_spelling: float = 0.25
    birth_day_month_swapped: float = 0.04
    birth_first_of_january: float = 0.04
    birth_year_only: float = 0.03
    birth_estimated_year: float = 0.05
    birth_missing: float = 0.03
    a_number_digit_wrong: float = 0.03
    a_number_transposed: float = 0.02
    sex_missing: float = 0.03
    country_wrong: float = 0.02

    def __post_init__(self) -> None:
        """Refuse rates that are not probabilities, or outcome shares that do not add up."""
        for name, value in vars(self).items():
            if isinstance(value, float) and not 0.0 <= value <= 1.0 and not name.endswith(
                    "_per_family"):
                raise ValueError(f"rate {name} = {value} is not between 0 and 1")
        for name in ("outcomes", "countries"):
            total = sum(weight for _, weight in getattr(self, name))
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"shares of {name} add up to {total}, not 1")
        if any(not 0 <= p <= 1 for p in self.reencounter.values()):
            raise ValueError("re-encounter rates must be between 0 and 1")


#: How each source writes people down: how often it records each field at all, writes names
#: in capitals (``upper``), drops accents (``no_accents``) and writes the whole name in the family
#: name field (``one_field``).
SOURCE_STYLE: dict[str, dict[str, float]] = {
    "border": {"a_number": 0.92, "birth_date": 0.97, "phone": 0.35, "address": 0.25,
               "languages": 0.5, "country": 0.99, "sex": 1.0, "upper": 0.5,
               "no_accents": 0.8},
    "docket": {"a_number": 0.55, "birth_date": 0.95, "phone": 0.0, "address": 0.1,
               "languages": 0.3, "country": 0.9, "sex": 1.0, "upper": 0.9, "no_accents": 0.9,
               "one_field": 0.05},
    "detention": {"a_number": 0.95, "birth_date": 0.98, "phone": 0.25, "address": 0.15,
                  "languages": 0.6, "country": 0.99, "sex": 1.0, "upper": 0.6,
                  "no_accents": 0.8},
    "shelter": {"a_number": 0.6, "birth_date": 0.97, "phone": 0.0, "address": 0.05,
                "languages": 0.8, "country": 0.97, "sex": 1.0, "upper": 0.05,
                "no_accents": 0.3},
}

DEFAULT_RATES = Rates()
