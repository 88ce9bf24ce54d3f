"""The phone key: one normalised number per phone, read in the person's country."""

from __future__ import annotations

import gc
import weakref

import pytest

from reunify.linkage.features import features
from reunify.rules.phones import normalise


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("+502 5555-1234", "", "+50255551234"),
    ("(502) 55551234", "GT", "+50255551234"),
    ("0050255551234", "", "+50255551234"),
    ("0050255551234", "GT", "+50255551234"),
    ("5555 1234", "GT", "+50255551234"),
    ("5555 1234", "gt", "+50255551234"),
    ("212-555-1234", "US", "+12125551234"),
    ("+1 (212) 555-1234", "GT", "+12125551234"),
])
def test_one_number_in_any_format_is_one_key(raw, country, expected):
    """Formats, international prefixes and a missing country code (read in the person's
    recorded country) all give the number's E.164 form."""
    assert normalise(raw, country) == expected


def test_without_a_country_the_full_national_digits_are_kept():
    """With no country code and no (known) recorded country, every digit is kept: nothing is
    guessed and nothing cut off."""
    assert normalise("212-555-1234") == "2125551234"
    assert normalise("5555 1234", "ZZ") == "55551234"
    assert normalise("123") == ""
    assert normalise("") == ""


def test_numbers_sharing_their_last_eight_digits_are_two_phones():
    """212-555-1234 and 312-555-1234 are two lines: the old key (last eight digits) took them
    for one, a strong match between strangers."""
    for country in ("US", ""):
        assert normalise("212-555-1234", country) != normalise("312-555-1234", country)
    assert normalise("+502 5555-1234") != normalise("+504 5555-1234")


def test_the_linker_reads_phones_in_the_records_country():
    """The linker's phone column is the phone key, read in the record's own country."""
    row = {"source": "a", "record_id": "1", "phone": "5555 1234", "country": "GT"}
    assert features(0, row)["phone"] == "+50255551234"
    assert features(0, {**row, "phone": "212-555-1234", "country": "US"})["phone"] \
        != features(0, {**row, "phone": "312-555-1234", "country": "US"})["phone"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("+999 1234567", "9991234567"),  # no such country code: phonenumbers refuses it
    ("+0 1234567", "01234567"),
])
def test_a_number_phonenumbers_refuses_frees_its_callers_at_once(raw, expected):
    """A number ``phonenumbers`` cannot read still gives its digits, and leaves no reference
    cycle behind: the caller's locals are freed when it returns, the cycle collector off (a
    link run turns it off; a cycle there kept every feature, score and cluster of the run
    alive until one long collection after it)."""
    class Local:
        pass

    def caller() -> weakref.ref:
        local = Local()
        normalise.cache_clear()
        assert normalise(raw, "") == expected
        return weakref.ref(local)

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        assert caller()() is None
    finally:
        if was_enabled:
            gc.enable()
