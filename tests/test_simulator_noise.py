"""The simulator's noise: each kind of error is present at roughly its configured rate."""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from reunify.simulator import Rates, noise, simulate
from reunify.simulator import names as N
from reunify.simulator.people import Person

RATES = Rates()
SOURCES = ("border", "docket", "detention", "shelter")


def read(path: Path) -> list[dict]:
    """Rows of a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def person(**kw) -> Person:
    """A person to write down, with a compound given name and two surnames."""
    values = dict(person_id="P1", kind="family_member", sex="F",
                  birth_date=dt.date(2012, 3, 4), given=("María", "José"),
                  paternal="Hernández", maternal="López", country="GT", languages=("es",),
                  a_number="208123456", phone="+502 55123456", home="")
    values.update(kw)
    return Person(**values)


def share(hits: int, total: int) -> float:
    """hits / total."""
    return hits / total


@pytest.fixture(scope="module")
def season(tmp_path_factory) -> Path:
    """A season of 1,000 family units, written once for the module."""
    out = tmp_path_factory.mktemp("noisy")
    simulate(out, families=1000, seed=99)
    return out


def test_name_noise_rates():
    """One surname, swapped or hyphenated surnames, cut compound names and dropped accents
    each occur near their configured rate."""
    rng = random.Random(1)
    p = person()
    n = 6000
    written = [noise.write_name(rng, RATES, p, accents=0.6) for _ in range(n)]
    families = Counter(f for f, _ in written)
    one = sum(v for f, v in families.items() if " " not in f and "-" not in f)
    assert share(one, n) == pytest.approx(RATES.one_surname, abs=0.03)
    swapped = sum(v for f, v in families.items() if f.startswith(("López", "Lopez"))
                  and " " in f)
    assert share(swapped, n) == pytest.approx(RATES.surnames_swapped, abs=0.015)
    hyphen = sum(v for f, v in families.items() if "-" in f)
    assert share(hyphen, n) == pytest.approx(RATES.surnames_hyphenated, abs=0.015)
    cut = sum(1 for _, g in written if " " not in g)
    assert share(cut, n) == pytest.approx(RATES.compound_cut, abs=0.04)
    accents = sum(1 for f, g in written if noise.strip_accents(f + g) == f + g)
    assert share(accents, n) == pytest.approx(0.6, abs=0.04)


def test_nicknames_spellings_and_mayan_names():
    """Nicknames replace given names, variants replace spellings, Mayan surnames are spelled by
    ear (apostrophes dropped, k/q/c and x/sh swaps)."""
    rng = random.Random(2)
    guadalupe = [noise.write_name(rng, RATES, person(given=("Guadalupe",)))[1]
                 for _ in range(3000)]
    nick = sum(1 for g in guadalupe if g in N.NICKNAMES["Guadalupe"])
    assert share(nick, 3000) == pytest.approx(RATES.nickname, abs=0.02)
    yesenia = [noise.write_name(rng, RATES, person(given=("Yesenia",)))[1] for _ in range(3000)]
    variant = sum(1 for g in yesenia if g in ("Jesenia", "Yessenia"))
    assert share(variant, 3000) == pytest.approx(RATES.spelling_variant, abs=0.03)
    mayan = person(paternal="Q'uix", maternal="Xol", given=("Baltazar",))
    spelt = [noise.write_name(rng, RATES, mayan, accents=0.0)[0] for _ in range(2000)]
    by_ear = sum(1 for f in spelt if "'" not in f and f.split()[0] in ("Quix", "Kuix", "Cuix",
                                                                       "Kix", "Cix", "Quish"))
    assert by_ear > 0.3 * 2000 * RATES.mayan_by_ear
    assert any("Shol" in f for f in spelt)


def test_birth_date_noise_rates():
    """Day/month swaps, 1 January, year only, estimates and missing dates near their rates."""
    rng = random.Random(3)
    birth = dt.date(2012, 3, 4)
    n = 10000
    got = Counter(noise.write_birth_date(rng, RATES, birth, child=True) for _ in range(n))
    assert share(got["2012-04-03"], n) == pytest.approx(RATES.birth_day_month_swapped, abs=0.01)
    assert share(got[""], n) == pytest.approx(RATES.birth_missing, abs=0.01)
    year_only = sum(v for k, v in got.items() if re.fullmatch(r"\d{4}", k))
    assert share(year_only, n) == pytest.approx(
        RATES.birth_year_only + RATES.birth_estimated_year * 1.5 / 2, abs=0.015)
    assert share(got["2012-03-04"], n) > 0.7
    assert got["2011-01-01"] + got["2013-01-01"] > 0


def test_a_number_noise():
    """A-numbers are mistyped (one digit, transposition) near their rates and come in several
    formats that all keep 7 to 9 digits."""
    rng = random.Random(4)
    n = 8000
    written = [noise.write_a_number(rng, RATES, "208123456") for _ in range(n)]
    digits = [re.sub(r"\D", "", w) for w in written]
    assert all(7 <= len(d) <= 9 for d in digits)
    wrong = sum(1 for d in digits if d != "208123456")
    assert share(wrong, n) == pytest.approx(RATES.a_number_digit_wrong
                                            + RATES.a_number_transposed, abs=0.01)
    formats = {re.sub(r"\d", "9", w) for w in written}
    assert {"A999999999", "999999999", "A-999-999-999", "A 999 999 999",
            "999-999-999"} <= formats


def test_season_records_disagree_with_truth(season):
    """In a whole season, records carry swapped birth dates, missing A-numbers, parents without
    the family-unit link and re-encounters under a new record id."""
    truth = {(r["source"], r["record_id"]): r["person_id"]
             for r in read(season / "truth.identities.csv")}
    births = {r["person_id"]: dt.date.fromisoformat(r["birth_date"])
              for r in read(season / "truth.persons.csv")}
    swapped = eligible = missing_a = total = 0
    per_source_person: Counter = Counter()
    for source in SOURCES:
        for row in read(season / f"{source}.persons.csv"):
            pid = truth[(source, row["record_id"])]
            per_source_person[(source, pid)] += 1
            total += 1
            missing_a += not row["a_number"]
            born = births[pid]
            if born.day <= 12 and born.day != born.month and row["birth_date"]:
                eligible += 1
                swapped += row["birth_date"] == f"{born.year:04d}-{born.day:02d}-{born.month:02d}"
    assert share(swapped, eligible) == pytest.approx(RATES.birth_day_month_swapped, abs=0.02)
    assert 0.05 < share(missing_a, total) < 0.35
    twice = Counter(source for (source, _), n in per_source_person.items() if n > 1)
    for source in SOURCES:
        assert twice[source] > 0, source
    parents = {r["person_id"] for r in read(season / "truth.families.csv")
               if r["role"] == "parent"}
    border = [r for r in read(season / "border.persons.csv")
              if truth[("border", r["record_id"])] in parents]
    unlinked = sum(1 for r in border if not r["group_id"])
    assert share(unlinked, len(border)) == pytest.approx(RATES.group_link_lost, abs=0.03)


def test_twins_juniors_and_lone_children(season):
    """Twins (same birth date and surnames, different names) and juniors (a son with his
    father's given names) occur near their rates; unaccompanied children have no family."""
    register = read(season / "truth.register.csv")
    persons = {r["person_id"]: r for r in read(season / "truth.persons.csv")}
    families: dict[str, list[dict]] = defaultdict(list)
    for row in register:
        families[row["family_id"]].append(row)
    multi = twins = pairs = juniors = 0
    for members in families.values():
        children = [m for m in members if m["role"] == "child"]
        if len(children) >= 2:
            multi += 1
            births = Counter(c["birth_date"] for c in children)
            if max(births.values()) >= 2:
                twins += 1
                same = [c for c in children if births[c["birth_date"]] >= 2]
                assert len({c["name"] for c in same}) == len(same)
        fathers = [m for m in members if m["role"] == "parent"
                   and persons[m["person_id"]]["sex"] == "M"]
        sons = [c for c in children if persons[c["person_id"]]["sex"] == "M"]
        for f in fathers:
            for s in sons:
                pairs += 1
                f_given, s_given = f["name"].split()[:-2], s["name"].split()[:-2]
                juniors += f_given == s_given
    assert share(twins, multi) == pytest.approx(RATES.twins, abs=0.05)
    assert share(juniors, pairs) == pytest.approx(RATES.junior, abs=0.06)
    in_family = {r["person_id"] for r in register}
    lone = [p for p, r in persons.items() if r["kind"] == "unaccompanied_child"]
    assert lone
    assert not in_family.intersection(lone)


def test_whole_name_in_one_field_and_fields_swapped():
    """A docket writes "SURNAMES, GIVEN" in the family name at its configured rate; any source
    now and then swaps the two fields; languages are sometimes spelled the clerk's way."""
    rng = random.Random(5)
    p = person(given=("Juan",), paternal="Pérez", maternal="Tuy")
    n = 6000
    written = [noise.write_name(rng, RATES, p, one_field=0.05, accents=0.0) for _ in range(n)]
    one_field = sum(1 for f, g in written if not g and ", " in f)
    assert share(one_field, n) == pytest.approx(0.05, abs=0.012)
    swapped = sum(1 for f, g in written if f == "Juan")
    assert share(swapped, n) == pytest.approx(RATES.name_fields_swapped, abs=0.006)
    languages = Counter(noise.write_languages(rng, RATES, ("k'iche'", "es")) for _ in range(n))
    assert share(languages["k'iche';es"], n) == pytest.approx(
        (1 - RATES.language_spelling) ** 2, abs=0.03)
    assert languages["kiche;es"] > 0
