"""The simulator's sources: each writes its profile, and a season can be written under other
source names, which change in file names, ``source`` columns, profiles and truth files alike."""

from __future__ import annotations

import csv
import json

import pytest

from reunify.rules.interchange import HOLDS, SOURCE_PATTERN
from reunify.simulator import simulate
from reunify.simulator.sources import NAMES, given_names, source_names


def _rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_source_writes_its_profile(tmp_path):
    """Four profiles beside the data: a docket holds adults, a shelter minors; the border books
    family units; the docket holds nobody in custody."""
    simulate(tmp_path, families=3, seed=1)
    profiles = {s: json.loads((tmp_path / f"{s}.source.json").read_text(encoding="utf-8"))
                for s in NAMES}
    assert {s: p["source"] for s, p in profiles.items()} == {s: s for s in NAMES}
    assert all(p["holds"] in HOLDS for p in profiles.values())
    assert (profiles["docket"]["holds"], profiles["shelter"]["holds"]) == ("adults", "minors")
    assert profiles["border"]["family_units"] is True
    assert profiles["docket"]["custody"] is False


def test_renamed_sources_change_names_and_nothing_else(tmp_path):
    """A season under other names is the same season: every file's rows are the original's
    with the ``source`` column renamed, and the truth files name the new sources."""
    names = {"border": "cbp_e3", "docket": "usao_docket", "detention": "ice_eid",
             "shelter": "orr_portal"}
    simulate(tmp_path / "a", families=25, seed=4)
    simulate(tmp_path / "b", families=25, seed=4, source_names=names)
    for source, name in names.items():
        assert not list((tmp_path / "b").glob(f"{source}.*"))
        profile = json.loads((tmp_path / "b" / f"{name}.source.json").read_text("utf-8"))
        assert profile["source"] == name
        for kind in ("persons", "relations", "events"):
            original = _rows(tmp_path / "a" / f"{source}.{kind}.csv")
            renamed = _rows(tmp_path / "b" / f"{name}.{kind}.csv")
            assert renamed == [{**row, "source": name} for row in original]
    truth = _rows(tmp_path / "b" / "truth.identities.csv")
    assert {row["source"] for row in truth} == set(names.values())
    assert _rows(tmp_path / "b" / "truth.families.csv") == \
        _rows(tmp_path / "a" / "truth.families.csv")


def test_drawn_names_are_new_valid_and_the_same_for_a_seed():
    """``--rename-sources SEED`` draws four distinct valid names, none the simulator's own,
    the same for the same seed and different for another."""
    for seed in range(20):
        names = source_names(seed)
        assert list(names) == list(NAMES)
        assert len(set(names.values())) == 4
        assert all(SOURCE_PATTERN.fullmatch(n) and n not in NAMES for n in names.values())
        assert source_names(seed) == names
    assert len({tuple(source_names(seed).values()) for seed in range(20)}) > 1


def test_given_names_are_checked():
    """``--source-names`` takes four distinct names of the spec's form, in the simulator's
    order of sources."""
    assert given_names(["a", "b", "c", "d"]) == dict(zip(NAMES, "abcd", strict=True))
    for bad in (["a", "b", "c"], ["a", "a", "c", "d"], ["A", "b", "c", "d"],
                ["truth", "b", "c", "d"]):
        with pytest.raises(ValueError, match=r"source names|expected 4|is not"):
            given_names(bad)


def test_simulate_command_writes_renamed_sources(tmp_path, run_cli):
    """``reunify simulate --source-names`` writes under those names; a wrong list exits 2."""
    done = run_cli("simulate", str(tmp_path / "s"), "--families", "2", "--seed", "1",
                   "--source-names", "e3,pacer,eagle,portal")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "s").glob("*.source.json")) == [
        "e3.source.json", "eagle.source.json", "pacer.source.json", "portal.source.json"]
    bad = run_cli("simulate", str(tmp_path / "t"), "--families", "2", "--source-names", "x,y")
    assert bad.returncode == 2
    assert "--source-names" in bad.stderr
