"""Reading a source's profile (``<source>.source.json``, spec 1.1): one JSON object, checked.

Every problem is pinned to ``file:line:column`` like a row's: the key's place in the file, or
the JSON syntax error's.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from reunify.interchange.batch import BatchFile
from reunify.interchange.limits import MAX_ATTRIBUTE_CHARS, MAX_COLUMNS
from reunify.interchange.problems import Problems
from reunify.rules.interchange import HOLDS, PROFILE_KEYS

#: Largest profile file accepted, in bytes: a profile is a few lines.
MAX_PROFILE_BYTES = 64 * 1024
#: Longest ``agency`` and ``description``, in characters (the store's column widths).
PROFILE_CHARS = {"agency": 200, "description": 2_000}
_OBJECT = "one JSON object with the keys " + ", ".join(PROFILE_KEYS)


@dataclass(frozen=True)
class CheckedProfile:
    """A checked profile: what the source records, and the keys the spec does not name."""

    source: str
    agency: str = ""
    description: str = ""
    holds: str = "anyone"
    family_units: bool = False
    custody: bool = False
    attributes: dict = field(default_factory=dict)

    def content_hash(self) -> str:
        """sha256 of the profile's canonical content: an identical re-send is recognised."""
        content = {"source": self.source, "agency": self.agency,
                   "description": self.description, "holds": self.holds,
                   "family_units": self.family_units, "custody": self.custody,
                   "attributes": self.attributes}
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False)
                              .encode("utf-8")).hexdigest()


def _where(text: str, key: str) -> tuple[int, int]:
    """Line and column of ``key`` (followed by a colon) in the file's text; (1, 1) if absent."""
    found = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    if not found:
        return 1, 1
    before = text[:found.start()]
    return before.count("\n") + 1, found.start() - (before.rfind("\n") + 1) + 1


def read_profile(batch_file: BatchFile, problems: Problems) -> CheckedProfile | None:
    """The profile in ``batch_file``, or None with its problems added to ``problems``."""
    name = batch_file.name

    def problem(key: str | None, message: str, expected: str) -> None:
        line, column = _where(text, key) if key else (1, 1)
        problems.add(name, line, column, message, expected)

    text = ""
    if batch_file.size > MAX_PROFILE_BYTES:
        problem(None, f"file is {batch_file.size} bytes", f"at most {MAX_PROFILE_BYTES} bytes")
        return None
    raw = batch_file.path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        column = len(raw[raw.rfind(b"\n", 0, error.start) + 1:error.start]
                     .decode("utf-8", "replace")) + 1
        problems.add(name, line, column, f"not valid UTF-8 (byte 0x{raw[error.start]:02x})",
                     "UTF-8 text")
        return None
    text = text.removeprefix("\ufeff")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as error:
        problems.add(name, error.lineno, error.colno, f"not valid JSON: {error.msg}", _OBJECT)
        return None
    if not isinstance(obj, dict):
        problem(None, f"a JSON {type(obj).__name__}, not an object", _OBJECT)
        return None
    if len(obj) > MAX_COLUMNS:
        problem(None, f"object has {len(obj)} keys", f"at most {MAX_COLUMNS}")
        return None
    before = problems.count
    source = obj.get("source")
    if source is None or source == "":
        problem(None, "missing required key 'source'", _OBJECT)
    elif source != batch_file.source:
        problem("source", f"source {source!r} differs from the file name's "
                f"{batch_file.source!r}", f"{batch_file.source!r}, as in the file name")
    texts = {}
    for key, limit in PROFILE_CHARS.items():
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            problem(key, f"{key} is a JSON {type(value).__name__}", "a string or null")
        elif value and len(value) > limit:
            problem(key, f"{key} is {len(value)} characters long", f"at most {limit}")
        texts[key] = value or ""
    holds = obj.get("holds")
    if holds is not None and holds not in HOLDS:
        problem("holds", f"holds {holds!r} is not allowed", f"one of {', '.join(HOLDS)}")
    flags = {}
    for key in ("family_units", "custody"):
        value = obj.get(key)
        if value is not None and not isinstance(value, bool):
            problem(key, f"{key} {json.dumps(value)} is not a JSON boolean", "true or false")
        flags[key] = bool(value)
    attributes = {k: v for k, v in obj.items() if k not in PROFILE_KEYS and v is not None}
    for key, value in attributes.items():
        if len(json.dumps(value, ensure_ascii=False)) > MAX_ATTRIBUTE_CHARS:
            problem(key, f"{key} is longer than {MAX_ATTRIBUTE_CHARS} characters",
                    f"at most {MAX_ATTRIBUTE_CHARS}")
    if problems.count > before:
        return None
    return CheckedProfile(source=source, agency=texts["agency"],
                         description=texts["description"], holds=holds or "anyone",
                         family_units=flags["family_units"], custody=flags["custody"],
                         attributes=attributes)
