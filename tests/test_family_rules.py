"""Pure family-evidence rules: keys, names, birth dates, matching claims, deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from reunify.rules import anumber
from reunify.rules.deadlines import MS_L_2018, deadline_missed
from reunify.rules.family import (
    MATCH_A_NUMBER,
    MATCH_NAME,
    MATCH_NAME_BIRTH,
    MATCH_PHONE,
    Candidate,
    Claim,
    age_years,
    best_birth_date,
    birth_dates_agree,
    choose_match,
    name_matches,
    parent_too_young,
    person_sex,
)
from reunify.rules.kinship import Facts, Link, assemble_families
from reunify.rules.names import words
from reunify.rules.phones import normalise as phone_key


def test_claims_use_the_one_a_number_and_phone_key():
    """A claim's A-number and phone are read as the linker reads them: an all-zero A-number
    names nobody, and a phone without a country code is read in the claimant's country."""
    zeros = _candidate(1, a="000000000")
    assert zeros.a_numbers == frozenset()
    assert choose_match(Claim("X Y", a_number="000000000"), [zeros]) is None
    mother = _candidate(2, phone="+502 5555-1234", country="GT")
    assert choose_match(Claim("X Y", phone="5555 1234", country="GT"), [mother]) == (
        2, MATCH_PHONE, False)
    assert choose_match(Claim("X Y", phone="5555 1234", country="HN"), [mother]) is None
    new_york = _candidate(3, phone="212-555-1234", country="US")
    assert choose_match(Claim("X Y", phone="312-555-1234", country="US"), [new_york]) is None


def test_names_are_matched_on_the_one_name_folder():
    """A written name is taken apart by the names module's words: no case, accents, hyphens,
    apostrophes or particles ("de")."""
    assert words("Tomás DE LA Cruz-Pérez") == ("TOMAS", "CRUZ", "PEREZ")
    assert name_matches("tomas de la cruz", "Tomás", "De la Cruz Pérez")
    assert name_matches("Ixchel K'oy", "Ixchel", "Koy")


@pytest.mark.parametrize(("written", "given", "family", "expected"), [
    ("Tomás Rodríguez", "Tomas", "Rodriguez Pérez", True),
    ("tomas rodriguez", "Tomás", "Rodríguez", True),
    ("María José López", "María José", "López García", True),
    ("Tomás Rodríguez", "Tomás", "Pérez Rodríguez", False),
    ("Rodríguez", "Tomás", "Rodríguez", False),
    ("", "Tomás", "Rodríguez", False),
])
def test_name_matches(written, given, family, expected):
    """A written name fits when it holds the first given name and the first surname."""
    assert name_matches(written, given, family) is expected


def test_birth_dates():
    """Partial dates agree on the parts both give; the most supported precise date wins."""
    assert birth_dates_agree("1988", "1988-03-02")
    assert birth_dates_agree("1988-03", "1988-03-02")
    assert not birth_dates_agree("1988-04", "1988-03-02")
    assert not birth_dates_agree("bad", "1988")
    assert not birth_dates_agree("1988-02-30", "1988")  # no such day: not a date
    assert best_birth_date(["1988", "1988-03-02", "1988-03-02", "x"]) == "1988-03-02"
    assert round(age_years("2014-01-01", dt.date(2018, 1, 1))) == 4
    assert age_years("", dt.date(2018, 1, 1)) is None
    assert parent_too_young("2004", "2014")
    assert not parent_too_young("1990", "2014")
    assert not parent_too_young("", "2014")


def _candidate(person, given="Tomás", family="Rodríguez", birth="1980-01-01", a="", phone="",
               country=""):
    return Candidate(person, ((given, family),), (birth,),
                     frozenset({anumber.normalise(a)} - {""}),
                     frozenset({phone_key(phone, country)} - {""}))


def test_claim_matching_strengths():
    """A-number beats phone beats name with birth date beats a bare name; ties are ambiguous."""
    a = _candidate(1, a="A012345678")
    b = _candidate(2, phone="5551234567")
    c = _candidate(3, given="Pedro")
    assert choose_match(Claim("X Y", a_number="12345678"), [a, b]) == (1, MATCH_A_NUMBER, False)
    assert choose_match(Claim("X Y", phone="(555) 123-4567"), [a, b]) == (2, MATCH_PHONE, False)
    assert choose_match(Claim("Tomás Rodríguez", birth_date="1980"), [a, c]) == (
        1, MATCH_NAME_BIRTH, False)
    assert choose_match(Claim("Tomás Rodríguez", birth_date="1981"), [a, c]) is None
    assert choose_match(Claim("Tomás Rodríguez"), [a, b, c]) == (1, MATCH_NAME, True)


def test_assembly_keeps_people_without_children_out():
    """Two adults linked only as siblings make no family; a parent and child do."""
    facts = {1: Facts(age=30), 2: Facts(age=32), 3: Facts(age=6)}
    drafts = assemble_families(
        [Link(1, 2, "sibling_of", "stated", 0.8), Link(1, 3, "parent_of", "stated", 0.8)], facts)
    assert [d.members for d in drafts] == [{1: "parent", 2: "relative", 3: "child"}]
    assert assemble_families([Link(1, 2, "sibling_of", "stated", 0.8)], facts) == []


def test_deadline_policy_counts_from_the_later_of_separation_and_order():
    """Under Ms. L., a child separated in May has until 10 July (under 5) or 26 July."""
    may = dt.date(2018, 5, 10)
    assert MS_L_2018.reunification_deadline(may, 3) == dt.date(2018, 7, 10)
    assert MS_L_2018.reunification_deadline(may, 9) == dt.date(2018, 7, 26)
    assert MS_L_2018.reunification_deadline(dt.date(2018, 7, 1), 9) == dt.date(2018, 7, 31)
    assert MS_L_2018.reunification_deadline(may, None) == dt.date(2018, 7, 10)
    assert MS_L_2018.contact_deadline(may) == dt.date(2018, 7, 6)
    common = {"separated_since": may, "age_years": 3}
    assert not deadline_missed(MS_L_2018, ended=None, as_of=dt.date(2018, 7, 10), **common)
    assert deadline_missed(MS_L_2018, ended=None, as_of=dt.date(2018, 7, 11), **common)
    assert deadline_missed(MS_L_2018, ended=dt.date(2018, 7, 11), as_of=dt.date(2018, 9, 1),
                           **common)
    assert not deadline_missed(MS_L_2018, ended=dt.date(2018, 7, 1), as_of=dt.date(2018, 9, 1),
                               **common)
    assert not deadline_missed(MS_L_2018, separated_since=None, ended=None, age_years=3,
                               as_of=dt.date(2018, 9, 1))


def test_contact_deadline_is_missed_only_by_a_separation_still_open_without_contact():
    """Ten days from the later of separation and order: met by a contact on or before it, or by
    a separation that ended by then; missed once the day passes without either."""
    from reunify.rules.deadlines import MS_L_2018, contact_missed

    may, july = dt.date(2018, 5, 10), dt.date(2018, 7, 20)
    assert contact_missed(MS_L_2018, separated_since=may, ended=None, first_contact=None,
                          as_of=july)
    assert not contact_missed(MS_L_2018, separated_since=may, ended=None,
                              first_contact=dt.date(2018, 7, 6), as_of=july)
    assert contact_missed(MS_L_2018, separated_since=may, ended=None,
                          first_contact=dt.date(2018, 7, 7), as_of=july)
    assert not contact_missed(MS_L_2018, separated_since=may, ended=dt.date(2018, 7, 1),
                              first_contact=None, as_of=july)
    assert not contact_missed(MS_L_2018, separated_since=may, ended=None, first_contact=None,
                              as_of=dt.date(2018, 7, 6))
    assert not contact_missed(MS_L_2018, separated_since=None, ended=None, first_contact=None,
                              as_of=july)


def test_match_kinds_reads_a_claim_once_and_agrees_with_match_kind():
    """``match_kinds`` gives the candidates a claim fits, in the order given, each with the
    kind ``match_kind`` gives it; ``choose_among`` of them is ``choose_match``."""
    from reunify.rules.family import choose_among, match_kind, match_kinds

    a = _candidate(1, a="A012345678")
    b = _candidate(2, phone="5551234567")
    c = _candidate(3, given="Pedro")
    d = _candidate(4, given="Tomás María", family="De la Rodríguez López", birth="1979")
    for claim in (Claim("X Y", a_number="12345678"), Claim("X Y", phone="(555) 123-4567"),
                  Claim("Tomás Rodríguez", birth_date="1980"), Claim("tomas rodriguez"),
                  Claim("Tomás Rodríguez", birth_date="1981"), Claim("Pedro Rodríguez")):
        kinds = match_kinds(claim, [d, c, b, a])
        assert kinds == [(x, match_kind(claim, x)) for x in (d, c, b, a)
                         if match_kind(claim, x) is not None]
        assert choose_among(kinds) == choose_match(claim, [a, b, c, d])
    assert d.name_keys == frozenset({("TOMAS", "RODRIGUEZ")})
    # A birth date that contradicts the candidate's makes a name fit none.
    assert match_kinds(Claim("Tomás Rodríguez", birth_date="1979"), [a, d]) == [
        (d, MATCH_NAME_BIRTH)]


@pytest.mark.parametrize(("recorded", "expected"), [
    (["F", "M", "F"], "F"), (["M", "", "M", "F"], "M"), (["M", "F"], ""), (["F", "M"], ""),
    (["", ""], ""), ([], ""),
])
def test_a_persons_sex_is_what_most_records_give_and_unknown_on_an_even_split(recorded, expected):
    """A person's sex is the one most of their records give; records split evenly give none,
    whatever order they are read in (it once hung on the hashing of strings)."""
    assert person_sex(recorded) == expected
