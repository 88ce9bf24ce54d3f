"""The linker's source rules come from the sources' profiles, never from their names: under
names never seen, a profile switches each rule on, and a source without one gets none."""

from __future__ import annotations

from reunify.linkage import clustering
from reunify.linkage.features import features
from reunify.linkage.records import Profile

ADULTS = Profile(holds="adults")
MINORS = Profile(holds="minors", custody=True)
UNITS = Profile(family_units=True, custody=True)


def _record(source: str, record_id: str, given: str, family: str, birth: str = "",
            **extra: str) -> dict:
    return {"source": source, "record_id": record_id, "given_name": given,
            "family_name": family, "birth_date": birth, **extra}


def _cluster(records: list[dict], edges, profiles=None):
    feats = [features(i, r) for i, r in enumerate(records)]
    return clustering.cluster(feats, edges, accept=2.0, profiles=profiles)


def test_an_adults_only_source_never_joins_a_minors_only_source():
    """A record of a source that holds adults only (``usao_x``) and one of a source that
    holds minors only (``kids_portal``) are two people whatever the score; without the
    profiles nothing tells their ages and the score decides."""
    records = [_record("usao_x", "d", "Miguel", "Pu Sic"),
               _record("kids_portal", "s", "Miguel", "Pu Sic")]
    profiles = {"usao_x": ADULTS, "kids_portal": MINORS}
    assert _cluster(records, [(15.0, 0, 1)], profiles) == ([[0], [1]], {"adult_and_minor": 1})
    assert _cluster(records, [(15.0, 0, 1)])[0] == [[0, 1]]


def test_an_adults_only_record_never_joins_a_child_by_birth_date():
    """A child's record whose birth date makes them surely a minor when seen (eight in 2018)
    never joins an adults-only source's record, even from a source without a profile; a
    birth date that leaves them possibly 17 or 18 (a year estimated at intake) says nothing."""
    seen = {"seen_from": "2018-06-01", "seen_to": "2018-06-01"}
    child = _record("ice_eid", "c", "Miguel", "Pu Sic", "2010-03-02", **seen)
    docket = _record("usao_x", "d", "Miguel", "Pu Sic", **seen)
    profiles = {"usao_x": ADULTS}
    assert _cluster([docket, child], [(15.0, 0, 1)], profiles)[0] == [[0], [1]]
    assert _cluster([docket, child], [(15.0, 0, 1)])[0] == [[0, 1]]
    almost = {**child, "birth_date": "2000-09-01"}  # 17 when seen, 18 a year later
    assert _cluster([docket, almost], [(15.0, 0, 1)], profiles)[0] == [[0, 1]]


def test_family_units_are_a_profile_rule():
    """Two records of one person in two family units of a source whose profile books family
    units are two people; in a source without that profile, groups are only groups."""
    records = [_record("cbp_e3", "a", "Luis", "Rodríguez", "1990-05-29", group_id="FU-1",
                       group_role="parent"),
               _record("cbp_e3", "b", "Luis", "Rodríguez", "1990-05-29", group_id="FU-2",
                       group_role="parent")]
    assert _cluster(records, [(20.0, 0, 1)], {"cbp_e3": UNITS}) == (
        [[0], [1]], {"two_family_units": 1})
    assert _cluster(records, [(20.0, 0, 1)])[0] == [[0, 1]]


def test_custody_is_a_profile_rule():
    """A custodial source never holds one person under two records at once; a source that
    holds nobody (no ``custody``) may well write two records over the same weeks."""
    records = [_record("orr_portal", r, "María", "Méndez", "2004", seen_from=a, seen_to=b)
               for r, a, b in (("a", "2018-05-31", "2018-08-06"),
                               ("b", "2018-06-14", "2018-08-17"))]
    assert _cluster(records, [(9.0, 0, 1)], {"orr_portal": MINORS}) == (
        [[0], [1]], {"held_twice": 1})
    assert _cluster(records, [(9.0, 0, 1)], {"orr_portal": ADULTS})[0] == [[0, 1]]
