"""A record's age group, minor or adult (linkage/ages.py), and the model's ``age_group``
comparison, which weighs it only where a birth year is missing."""

from __future__ import annotations

import pytest

from link_batches import scored_season
from reunify.linkage import ages
from reunify.linkage.batch_files import read_profiles
from reunify.linkage.features import day_number, features
from reunify.linkage.records import Profile

SHELTER = Profile(holds="minors", custody=True)
DOCKET = Profile(holds="adults")


def _feature(birth: str = "", role: str = "", source: str = "one",
             seen: str = "2018-06-10") -> dict:
    f = features(0, {"source": source, "record_id": "r1", "family_name": "López",
                     "given_name": "José", "birth_date": birth, "group_role": role})
    f["seen_from"] = day_number(seen) if seen else None
    return f


def test_a_dated_record_is_a_minor_until_its_eighteenth_birthday_when_first_held():
    """With a birth year, the age on the day its source first held the record decides,
    whatever its role says: the day before the eighteenth birthday a minor, on it an adult;
    a bare year counts from its first day."""
    assert ages.age_group(_feature("2000-06-11", role="parent")) == ages.MINOR
    assert ages.age_group(_feature("2000-06-10", role="child")) == ages.ADULT
    assert ages.age_group(_feature("2001")) == ages.MINOR
    assert ages.age_group(_feature("2000")) == ages.ADULT


def test_an_undated_record_says_its_group_by_its_role_then_by_whom_its_source_holds():
    """Without a birth year: a family unit's child is a minor, a parent or guardian an adult;
    without a role that says it, a source holding minors only (or adults only) says it; a
    relative, or a source holding anyone, or one without a profile, says nothing."""
    assert ages.age_group(_feature(role="child"), DOCKET) == ages.MINOR
    assert ages.age_group(_feature(role="guardian"), SHELTER) == ages.ADULT
    assert ages.age_group(_feature(role="relative"), SHELTER) == ages.MINOR
    assert ages.age_group(_feature(), DOCKET) == ages.ADULT
    assert ages.age_group(_feature(role="relative"), Profile()) is None
    assert ages.age_group(_feature()) is None
    # A birth year but no day held: its role, then its source.
    assert ages.age_group(_feature("2010", seen=""), DOCKET) == ages.ADULT


def test_add_ages_reads_each_records_own_sources_profile():
    """Each record takes its own source's profile; a source without one says nothing."""
    feats = [_feature(source="homes"), _feature(source="court"), _feature(source="other")]
    ages.add_ages(feats, {"homes": SHELTER, "court": DOCKET})
    assert [f["age_group"] for f in feats] == [ages.MINOR, ages.ADULT, None]


def test_the_run_weighs_age_groups_only_where_a_birth_year_is_missing(tmp_path):
    """In a trained model, two records of one age group weigh for one person and a minor
    and an adult against; a pair of two dated records is the comparison's unknown level
    (the birth dates already say it), and ``explain`` with the sources' profiles gives a
    pair the run's level and weight."""
    from reunify.linkage import comparisons
    from reunify.linkage.resolution import explain

    records, feats, model_json, edges = scored_season(tmp_path)
    import json

    weights = {label: w for label, w in comparisons.labels(json.loads(model_json))[
        "age_group"].values()}
    assert weights["both minors or both adults"] > 0 > weights["a minor and an adult"]
    profiles = read_profiles(tmp_path)
    seen = {"unknown": 0, "both minors or both adults": 0}
    for weight, i, j in edges:
        dated = feats[i]["birth_year"] and feats[j]["birth_year"]
        known = feats[i]["age_group"] and feats[j]["age_group"]
        if not (dated or known):
            continue
        pair = explain(records[i], records[j], engine="splink", model_json=model_json,
                       population=records, profiles=profiles)
        level = next(c for c in pair.comparisons if c["name"] == "age_group")["level"]
        if dated:
            assert level == "unknown"
        elif feats[i]["age_group"] == feats[j]["age_group"]:
            assert level == "both minors or both adults"
        else:
            assert level == "a minor and an adult"
        assert pair.match_weight == pytest.approx(weight, abs=0.01)
        seen[level] = seen.get(level, 0) + 1
        if min(seen.values()) >= 10:
            break
    assert min(seen.values()) >= 10
