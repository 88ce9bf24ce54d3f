"""Phone numbers as people give them and clerks write them, reduced to one key.

``"+502 5555-1234"``, ``"(502) 55551234"``, ``"0050255551234"`` and, for a person recorded as
Guatemalan, ``"5555 1234"`` are one number: ``"+50255551234"`` (E.164, parsed with
``phonenumbers``). A number written without its country code is read in the person's recorded
country when one is known; otherwise all of its national digits are kept. Two phones are one
phone only when their keys are equal: 212-555-1234 and 312-555-1234 are two lines.
"""

from __future__ import annotations

import re
import traceback
from functools import lru_cache

import phonenumbers

_NOT_DIGIT = re.compile(r"\D")
#: Fewer digits than this are no phone number (an extension, a fragment).
MIN_DIGITS = 7


@lru_cache(maxsize=1 << 16)
def normalise(raw: str, country: str = "") -> str:
    """The phone key of a number as written: E.164 (``"+50255551234"``) when its country is
    known, from the number itself (``+``, ``00``) or from ``country`` (ISO 3166-1 alpha-2, the
    person's recorded country); else its national digits (``"2125551234"``); "" when it is not
    a phone number."""
    text = (raw or "").strip()
    digits = _NOT_DIGIT.sub("", text)
    if len(digits) < MIN_DIGITS:
        return ""
    region = (country or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = ""
    if not text.startswith("+") and digits.startswith("00") and not region:
        text = "+" + digits[2:]  # 00 is the international prefix nearly everywhere
    if not text.startswith("+") and not region:
        return digits
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as error:
        # phonenumbers keeps the exception it re-raises in a local of its own frame (a
        # reference cycle through the traceback), and each frame holds its caller's: every
        # caller's locals then live until the cycle collector runs. A link run calls this
        # with the collector off, and its features, scores and clusters (millions of
        # objects) stayed alive past the run, then took one collection of a second or more.
        traceback.clear_frames(error.__traceback__)
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
