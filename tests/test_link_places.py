"""Places of custody learnt from the records (linkage/places.py): which facilities of two
sources one person's records name together, from records that surely are one person."""

from __future__ import annotations

import random

import pytest

from link_batches import scored_season
from reunify.linkage import places
from reunify.linkage.features import features

#: Two districts, each a station (or two), a court and a detention centre, under sources of
#: any name: the district is nowhere in the data but in who goes where.
DISTRICTS = ({"arrest": ("North Station", "Hill Station"), "court": "Court of the North",
              "held": "North Processing Center"},
             {"arrest": ("South Station",), "court": "Court of the South",
              "held": "South Processing Center"})
HOMES = ("Home One, Chicago IL", "Home Two, New York NY", "Home Three, Phoenix AZ")


def _record(source: str, n: int, facility: str, *, a_number: bool = True) -> dict:
    return {"source": source, "record_id": f"{source}{n}", "family_name": "Ruiz",
            "given_name": f"Ana{n % 997}", "a_number": f"{200000000 + n}" if a_number else "",
            "facility": facility}


def _season(people: int, seed: int = 3) -> list[dict]:
    """Each person arrested at a station of a district, tried at its court, held at its
    centre; each child-like person placed at a home anywhere (no district)."""
    rng = random.Random(seed)
    records = []
    for n in range(people):
        district = rng.choice(DISTRICTS)
        records.append(_record("apprehensions", n, rng.choice(district["arrest"])))
        records.append(_record("trials", n, district["court"]))
        records.append(_record("bookings", n, district["held"]))
        records.append(_record("homes", n, rng.choice(HOMES)))
    return [features(i, r) for i, r in enumerate(records)]


def test_a_districts_facilities_are_one_place_and_homes_anywhere_none():
    """The stations, court and centre of one district are one place, the other district's
    another; homes that children are placed in anywhere go with no facility, so have no
    place (a comparison of them would say nothing)."""
    found = places.regions(_season(600))
    north = {found.get(f) for f in ("NORTH STATION", "HILL STATION", "COURT OF THE NORTH",
                                    "NORTH PROCESSING CENTER")}
    south = {found.get(f) for f in ("SOUTH STATION", "COURT OF THE SOUTH",
                                    "SOUTH PROCESSING CENTER")}
    assert len(north) == 1
    assert len(south) == 1
    assert None not in north | south
    assert north != south
    assert not any(home.split(",")[0].upper() in f for f in found for home in HOMES)


def test_a_few_anchors_meeting_by_chance_join_no_places():
    """Facilities two sources name at random meet as often as chance says, some pairs
    twice as often when the season is small: none of that makes a place (not far enough
    beyond chance), nor do a small season's districts seen a few times."""
    assert places.regions(_season(12)) == {}
    rng = random.Random(5)
    everywhere = [_record(source, n, rng.choice(HOMES)) for n in range(200)
                  for source in ("one", "two")]
    assert places.regions([features(i, r) for i, r in enumerate(everywhere)]) == {}


def test_records_without_an_a_number_get_the_place_their_facility_has():
    """Anchors teach the places; every record naming a facility of one gets it, anchors or
    not, its facility folded (case, accents, punctuation); a record naming none has none."""
    feats = _season(300)
    n = len(feats)
    extra = [features(n, _record("apprehensions", 10_000, "north  station.", a_number=False)),
             features(n + 1, _record("trials", 10_001, "", a_number=False))]
    places.add_places(feats + extra)
    by_facility = {f["facility"]: f["place"] for f in feats}
    assert extra[0]["place"] == by_facility["NORTH STATION"] is not None
    assert extra[1]["place"] is None


def test_an_a_number_held_by_a_crowd_teaches_nothing():
    """Records of one A-number and first given name beyond ``ANCHOR_GROUP`` (a number written
    for a whole family) are no anchors: their pairs would grow with the square."""
    crowd = [{"source": s, "record_id": f"{s}{n}", "family_name": "Ruiz", "given_name": "Ana",
              "a_number": "200000001", "facility": f"{s} place"}
             for n in range(places.ANCHOR_GROUP) for s in ("one", "two")]
    assert places._anchors([features(i, r) for i, r in enumerate(crowd)]) == []


def test_explain_weighs_a_pair_by_the_places_the_run_learnt(tmp_path):
    """A reviewer's breakdown (``explain``, on the current records) learns the places from
    the same records as the run: a pair's place level and weight are the run's."""
    from reunify.linkage.resolution import explain

    records, feats, model_json, edges = scored_season(tmp_path)
    shown = 0
    for weight, i, j in edges:
        if not (feats[i]["place"] and feats[j]["place"]):
            continue
        pair = explain(records[i], records[j], engine="splink", model_json=model_json,
                       population=records)
        place = next(c for c in pair.comparisons if c["name"] == "place")
        same = feats[i]["place"] == feats[j]["place"]
        assert place["level"] == ("held in one place" if same else "held in places apart")
        assert pair.match_weight == pytest.approx(weight, abs=0.01)
        shown += 1
        if shown == 20:
            break
    assert shown == 20
