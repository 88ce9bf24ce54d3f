"""The simulator's four sources as the spec describes them: their profiles, and other names.

Every source writes a profile (``<source>.source.json``, spec 1.1) saying what it records, so
reunify never needs a source's name to read it. A season can be written under other names
(:func:`source_names`), as real agencies name their exports as they like: the names change in
file names, ``source`` columns, profiles and truth files alike, and nothing else does.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable

#: The simulator's own names for its sources, in the order they are written.
NAMES = ("border", "docket", "detention", "shelter")

#: What each source records: a border station books family units and holds everyone it
#: apprehends; a prosecutor's docket charges adults and holds nobody; an immigration detention
#: centre holds adults and (in family residential centres) families, booked as units; a
#: children's shelter holds minors.
PROFILES: dict[str, dict] = {
    "border": {"agency": "CBP", "description": "Border Patrol station apprehension log",
               "holds": "anyone", "family_units": True, "custody": True},
    "docket": {"agency": "USAO", "description": "federal prosecutor's petty-offense docket",
               "holds": "adults", "family_units": False, "custody": False},
    "detention": {"agency": "ICE", "description": "immigration detention bookings",
                  "holds": "anyone", "family_units": True, "custody": True},
    "shelter": {"agency": "ORR", "description": "shelter case system for unaccompanied children",
                "holds": "minors", "family_units": False, "custody": True},
}

#: Names a renamed season draws from, per source, beside random strings (issue 10's examples
#: and the like): none is a name the code base knows.
_OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "border": ("cbp_e3", "cbp-eid", "usbp_ssb", "e3_bookings"),
    "docket": ("usao_docket", "usao-wdtx", "pacer_mj", "cm_ecf"),
    "detention": ("ice_eid", "ice-eagle", "eid_bookings", "ero_ident"),
    "shelter": ("orr_portal", "orr-uacp", "uac_portal", "ngo-kind-2019"),
}


def profile(source: str, name: str | None = None) -> dict:
    """The profile of one of the simulator's sources, as its JSON object, under ``name``."""
    return {"source": name or source, **PROFILES[source]}


def source_names(seed: int) -> dict[str, str]:
    """Other names for the four sources, the same for the same ``seed``: each a known-looking
    export name or a random string, never a name of :data:`NAMES`, no two alike."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible choice of names, not a secret
    out: dict[str, str] = {}
    for source in NAMES:
        while True:
            if rng.random() < 0.5:
                name = rng.choice(_OTHER_NAMES[source])
            else:
                name = "".join(rng.choice(string.ascii_lowercase + string.digits + "_-")
                               for _ in range(rng.randint(4, 12)))
                name = rng.choice(string.ascii_lowercase) + name  # starts with a letter
            if name not in NAMES and name not in out.values() and not name.startswith("truth"):
                out[source] = name
                break
    return out


def given_names(names: Iterable[str]) -> dict[str, str]:
    """The four sources' new names from a list of four (``--source-names A,B,C,D``), in the
    order of :data:`NAMES`; raises ValueError when they are not four distinct valid names."""
    from reunify.rules.interchange import SOURCE_PATTERN

    names = [n.strip() for n in names]
    if len(names) != len(NAMES):
        raise ValueError(f"expected {len(NAMES)} source names (for {', '.join(NAMES)}), "
                         f"got {len(names)}")
    if len(set(names)) != len(names):
        raise ValueError("source names must differ")
    for name in names:
        if not SOURCE_PATTERN.fullmatch(name) or name == "truth":
            raise ValueError(f"source name {name!r} is not [a-z0-9_-]{{1,32}}")
    return dict(zip(NAMES, names, strict=True))
