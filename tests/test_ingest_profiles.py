"""Source profiles (spec 1.1, kind ``source``): checked, stored, versioned, all or nothing."""

from __future__ import annotations

import json

import pytest
from tests.ingest_batches import good_batch, ingest, store_snapshot, write

from reunify.models import PersonRecord, SourceFile, SourceProfile
from reunify.models.profile import linkage_profiles

pytestmark = pytest.mark.django_db

DOCKET = {"source": "usao_docket", "agency": "USAO", "description": "petty-offense docket",
          "holds": "adults", "family_units": False, "custody": False}


def _profile(folder, data: dict | str, name: str = "usao_docket.source.json"):
    return write(folder, name, data if isinstance(data, str) else json.dumps(data, indent=2))


def test_a_profile_is_stored_with_its_batch(tmp_path, capsys):
    """A profile beside a source's files is ingested with them and read back for the linker;
    a key the spec does not name is kept."""
    folder = good_batch(tmp_path / "b")
    _profile(folder, {**DOCKET, "contact": "clerk@example.org"})
    status, out, err = ingest(capsys, folder)
    assert status == 0, err
    assert "usao_docket.source.json: 1 rows: 1 new" in out
    profile = SourceProfile.objects.get()
    assert (profile.source, profile.agency, profile.holds, profile.family_units,
            profile.custody, profile.version, profile.is_current) == (
        "usao_docket", "USAO", "adults", False, False, 1, True)
    assert profile.attributes == {"contact": "clerk@example.org"}
    assert SourceFile.objects.get(name="usao_docket.source.json").kind == "source"
    assert linkage_profiles() == {"usao_docket": {"holds": "adults", "family_units": False,
                                                  "custody": False}}


def test_missing_keys_take_the_spec_defaults(tmp_path, capsys):
    """Only ``source`` is required: holds ``anyone``, no family units, no custody."""
    status, _out, err = ingest(capsys, _profile(tmp_path, {"source": "usao_docket"}))
    assert status == 0, err
    profile = SourceProfile.objects.get()
    assert (profile.holds, profile.family_units, profile.custody) == ("anyone", False, False)


def test_a_later_profile_supersedes_and_an_identical_one_changes_nothing(tmp_path, capsys):
    """Profiles are versioned like records: a changed one is a new current version (the old
    kept), the same content re-sent (even spelled differently) is unchanged."""
    assert ingest(capsys, _profile(tmp_path / "1", DOCKET))[0] == 0
    same = json.dumps({k: DOCKET[k] for k in reversed(list(DOCKET))})
    status, out, _err = ingest(capsys, _profile(tmp_path / "2", same))
    assert status == 0
    assert "1 unchanged" in out
    assert SourceProfile.objects.count() == 1
    assert ingest(capsys, _profile(tmp_path / "3", {**DOCKET, "holds": "anyone"}))[0] == 0
    versions = list(SourceProfile.objects.order_by("version")
                    .values_list("version", "holds", "is_current"))
    assert versions == [(1, "adults", False), (2, "anyone", True)]
    assert linkage_profiles()["usao_docket"]["holds"] == "anyone"
    before = store_snapshot()
    status, out, _err = ingest(capsys, _profile(tmp_path / "4", {**DOCKET, "holds": "anyone"}))
    assert status == 0
    assert "nothing new" in out
    assert store_snapshot() == before


@pytest.mark.parametrize(("content", "where", "what"), [
    ('{"source": "usao_docket",\n  "holds": "grownups"}', "2:3", "holds 'grownups'"),
    ('{"source": "usao_docket",\n "custody": "yes"}', "2:2", "not a JSON boolean"),
    ('{"source": "other"}', "1:2", "differs from the file name"),
    ('{"agency": "USAO"}', "1:1", "missing required key 'source'"),
    ('{"source": "usao_docket",\n "agency": 7}', "2:2", "agency is a JSON int"),
    ('["usao_docket"]', "1:1", "not an object"),
    ('{"source": "usao_docket",\n "holds": }', "2:11", "not valid JSON"),
])
def test_a_bad_profile_rejects_the_whole_batch(tmp_path, capsys, content, where, what):
    """A wrong profile is a ``file:line:column`` problem, exit 2, and nothing of the batch
    (its other files included) is written."""
    folder = good_batch(tmp_path / "b")
    _profile(folder, content)
    before = store_snapshot()
    status, _out, err = ingest(capsys, folder)
    assert status == 2
    assert f"usao_docket.source.json:{where}: " in err
    assert what in err
    assert store_snapshot() == before
    assert not PersonRecord.objects.exists()


def test_a_profile_file_with_a_bad_source_name_is_a_problem(tmp_path, capsys):
    """``Bad Name.source.json`` looks like a profile: it is reported, not silently skipped."""
    folder = good_batch(tmp_path / "b")
    _profile(folder, {"source": "x"}, name="Bad Name.source.json")
    status, _out, err = ingest(capsys, folder)
    assert status == 2
    assert "Bad Name.source.json:1:1: file name does not say source" in err
