"""Names as Mexican and Central American people carry them, and as clerks write them down.

Pure functions the linker uses to compare names (see docs/linkage.md):

- family names are a *set* of surnames: a person has a paternal and a maternal surname, and a
  source may record one, both, both hyphenated, or both in the other order;
- a given name is compared by its first name (compound names are often cut), through the
  nicknames people go by ("Lupe" is Guadalupe, "Chuy" is Jesús);
- a phonetic key forgives the spellings Spanish allows (b/v, s/z/c, ll/y, silent h, j/g/x, qu/k)
  and those clerks produce for Mayan-language names (apostrophes, k/q/c, x/sh, tz/ts).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import OSA, Hamming, JaroWinkler

#: Words that belong to a surname but carry no identity of their own ("De León", "Del Cid").
PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "E", "DA", "DI", "DO", "DOS", "VAN",
                       "VON", "SAN"})

#: Nicknames and short forms people go by in Mexico and Central America → the given name(s) they
#: stand for. A nickname may stand for more than one name (Beto: Roberto or Alberto).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "LUPE": ("GUADALUPE",), "LUPITA": ("GUADALUPE",), "CHUY": ("JESUS",),
    "CHUCHO": ("JESUS",), "CHUS": ("JESUS",), "PANCHO": ("FRANCISCO",), "PACO": ("FRANCISCO",),
    "PANCHITO": ("FRANCISCO",), "CHICO": ("FRANCISCO",), "KIKO": ("FRANCISCO", "ENRIQUE"),
    "MEMO": ("GUILLERMO",), "TONO": ("ANTONIO",), "TONIO": ("ANTONIO",), "TONY": ("ANTONIO",),
    "LALO": ("EDUARDO",), "PEPE": ("JOSE",), "CHEPE": ("JOSE",), "CHEPITO": ("JOSE",),
    "CHEMA": ("JOSE",), "ALEX": ("ALEJANDRO", "ALEXANDER", "ALEXIS"),
    "BETO": ("ROBERTO", "ALBERTO", "HUMBERTO", "GILBERTO"), "TITO": ("ALBERTO", "ROBERTO"),
    "KIKE": ("ENRIQUE",), "QUIQUE": ("ENRIQUE",), "NACHO": ("IGNACIO",), "CHAYO": ("ROSARIO",),
    "CONCHA": ("CONCEPCION",), "CONCHITA": ("CONCEPCION",), "CHONITA": ("CONCEPCION",),
    "LOLA": ("DOLORES",), "LOLITA": ("DOLORES",), "CHELO": ("CONSUELO",),
    "RAFA": ("RAFAEL",), "NANDO": ("FERNANDO",), "FERCHO": ("FERNANDO",),
    "MANOLO": ("MANUEL",), "MANU": ("MANUEL",), "CHENTE": ("VICENTE", "SANTOS"),
    "JERRY": ("GERARDO",), "RICHI": ("RICARDO",), "RICKY": ("RICARDO",),
    "CHABELA": ("ISABEL",), "CHAVELA": ("ISABEL",), "JUANITA": ("JUANA",),
    "JUANITO": ("JUAN",), "MENCHU": ("CARMEN",), "MENCHA": ("CARMEN",), "RIGO": ("RIGOBERTO",),
    "MINGO": ("DOMINGO",), "CHEBO": ("SEBASTIAN", "EUSEBIO"), "CHAVA": ("SALVADOR",),
    "CHAVO": ("SALVADOR",), "GOYO": ("GREGORIO",), "TERE": ("TERESA",), "MAYO": ("MARIO",),
    "LENCHO": ("LORENZO",), "PILI": ("PILAR",), "PATY": ("PATRICIA",), "PATI": ("PATRICIA",),
    "MAGO": ("MARGARITA",), "NENA": ("ELENA",), "NATY": ("NATALIA",),
    "CHUYITA": ("JESUS",), "LUCHO": ("LUIS",), "PEPITA": ("JOSEFA",), "PEDRITO": ("PEDRO",),
}

_LETTERS = re.compile(r"[^A-Z' -]")
_SPACES = re.compile(r"[\s\-]+")


@lru_cache(maxsize=65536)
def strip_accents(text: str) -> str:
    """``"Hernández"`` → ``"Hernandez"``, ``"Toño"`` → ``"Tono"``: case and the rest kept."""
    return "".join(c for c in unicodedata.normalize("NFKD", text or "")
                   if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Upper case without accents or punctuation; words separated by single spaces. The one
    name folder: the linker, the family rules and search compare names folded so.

    ``"  García-López "`` → ``"GARCIA LOPEZ"``; ``"K'oy"`` → ``"KOY"``; ``"Núñez"`` → ``"NUNEZ"``.
    """
    plain = strip_accents(text).upper()
    plain = plain.replace("\u2019", "'").replace("`", "'")
    plain = _LETTERS.sub(" ", plain).replace("'", "")
    return _SPACES.sub(" ", plain).strip()


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The folded words of a name, particles ("de", "del") dropped."""
    return tuple(w for w in fold(text).split(" ") if w and w not in PARTICLES)


def split_fields(family_name: str, given_name: str) -> tuple[str, str]:
    """(family, given) with a whole name written into the family field as "FAMILY, GIVEN"
    (dockets do) taken apart; other names are returned as they are."""
    if not (given_name or "").strip() and "," in (family_name or ""):
        family, _, given = family_name.partition(",")
        return family.strip(), given.strip()
    return family_name or "", given_name or ""


def surnames(family_name: str) -> frozenset[str]:
    """The set of surnames in a family-name field, whatever their order or hyphenation.

    ``"García López"``, ``"LOPEZ GARCIA"`` and ``"García-López"`` give the same set.
    """
    return frozenset(words(family_name))


def canonical_given(word: str) -> tuple[str, ...]:
    """The given name(s) a folded word stands for: itself, or what the nickname means."""
    return NICKNAMES.get(word, (word,))


def first_given(given_name: str) -> str:
    """The first given name, as compound names are often cut to it ("María José" → MARIA)."""
    found = words(given_name)
    return found[0] if found else ""


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    # Order matters: digraphs before their letters.
    ("PH", "F"), ("TZ", "S"), ("TS", "S"), ("SH", "J"), ("CH", "Ç"), ("KH", "Ç"), ("LL", "Y"),
    ("IY", "I"), ("QU", "K"), ("Q", "K"), ("KUE", "KE"), ("KUI", "KI"), ("CE", "SE"),
    ("CI", "SI"), ("C", "K"), ("Z", "S"),
    ("GUE", "GE"), ("GUI", "GI"), ("GE", "JE"), ("GI", "JI"), ("X", "J"), ("V", "B"),
    ("W", "GU"), ("OY", "OI"), ("AY", "AI"), ("EY", "EI"),
)


@lru_cache(maxsize=65536)
def phonetic(word: str) -> str:
    """A key under which spellings of one name that sound alike in Spanish coincide.

    It forgives b/v, s/z/soft c, ll/y, silent h, j/soft g/x (Ximena, Jimena), qu/k/q/c, x/sh,
    tz/ts, the apostrophes of Mayan-language names, doubled letters, and a y written for a
    j or i (Yesenia, Jesenia; Heidy, Heidi). It is a key for a fuzzy comparison level, not an
    identity: different names can share one.
    """
    text = fold(word).replace(" ", "")
    if not text:
        return ""
    for old, new in _PHONETIC_RULES:
        text = text.replace(old, new)
    # j and h (and a y opening a syllable at the start) are heard as the same breath or nothing.
    if text.startswith("Y") and len(text) > 1 and text[1] in "AEIOU":
        text = text[1:]
    text = text.replace("J", "").replace("H", "")
    text = re.sub(r"Y(?=[^AEIOU]|$)", "I", text)
    # A y between a consonant and a vowel is heard as an i: Bryan, Brian (Brayan is Braian).
    text = re.sub(r"(?<=[^AEIOU])Y(?=[AEIOU])", "I", text)
    text = re.sub(r"(.)\1+", r"\1", text)
    return text


@lru_cache(maxsize=65536)
def given_keys(given_name: str) -> frozenset[str]:
    """Phonetic keys of every given name and of what its nicknames stand for."""
    keys = set()
    for word in words(given_name):
        for name in canonical_given(word):
            keys.add(phonetic(name))
    keys.discard("")
    return frozenset(keys)


@lru_cache(maxsize=65536)
def second_given_key(given_name: str) -> str:
    """The phonetic key of the second given name ("María José" → the key of José), or ""."""
    found = words(given_name)
    return min(phonetic(name) for name in canonical_given(found[1])) if len(found) > 1 else ""


@lru_cache(maxsize=65536)
def first_given_key(given_name: str) -> str:
    """The phonetic key of the first given name, through its nickname (smallest if several)."""
    first = first_given(given_name)
    if not first:
        return ""
    return min(phonetic(name) for name in canonical_given(first))


@lru_cache(maxsize=65536)
def surname_keys(family_name: str) -> frozenset[str]:
    """Phonetic keys of the surnames in a family-name field."""
    return frozenset(k for k in (phonetic(w) for w in surnames(family_name)) if k)


def name_keys(family_name: str, given_name: str) -> frozenset[str]:
    """Phonetic keys of every word of both name fields: catches a second given name written in
    the family-name field, or a surname written in the given-name field."""
    return surname_keys(family_name) | given_keys(given_name)


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings (1.0 equal, 0.0 nothing in common), exactly as
    DuckDB's ``jaro_winkler_similarity`` computes it in the linker's SQL (both are rapidfuzz's;
    an empty string is like nothing, where rapidfuzz calls two of them equal)."""
    return JaroWinkler.similarity(a, b) if a and b else 0.0


def given_names_differ(left_given: str, right_given: str, left_family: str = "",
                       right_family: str = "") -> bool:
    """True when two records clearly name different people by their given names: no given
    name (through nicknames and spellings) of one appears anywhere in the other's name (given
    or family field: clerks swap them) and the first names are not alike. Siblings, twins
    included, differ this way; one person's records rarely do."""
    return given_keys_differ(
        given_keys(left_given), given_keys(right_given), first_given_key(left_given),
        first_given_key(right_given), name_keys(left_family, left_given),
        name_keys(right_family, right_given), second_given_key(left_given),
        second_given_key(right_given))


def given_keys_differ(left: frozenset[str] | set[str], right: frozenset[str] | set[str],
                      left_first: str, right_first: str,
                      left_all: frozenset[str] | set[str] = frozenset(),
                      right_all: frozenset[str] | set[str] = frozenset(),
                      left_second: str = "", right_second: str = "") -> bool:
    """:func:`given_names_differ` on keys computed before (``given_keys``,
    ``first_given_key``, ``name_keys``, ``second_given_key``).

    Two full compound names that share the first name but not the second ("María José" and
    "María Fernanda": sisters) differ too.
    """
    if left_second and right_second and left_first == right_first \
            and left_second != right_second and left_second not in right \
            and right_second not in left and jaro_winkler(left_second, right_second) < 0.88:
        return True
    if not left or not right or set(left) & (set(right) | set(right_all)) \
            or set(right) & set(left_all):
        return False
    # Any two given names alike, not only the first ones: a compound name is often cut to its
    # other half, and a typo in it ("Luis Nerique") must not make a stranger of "Enrique".
    return not any(names_alike(a, b) for a in {left_first, *left} for b in {right_first, *right})


def one_slip(a: str, b: str) -> bool:
    """Two words one typing slip apart: a letter changed, added, dropped, or two neighbours
    swapped ("Jsoe" for "José"). Shorter words are too short to tell: under three letters
    always, under four for anything but two swapped neighbours."""
    if min(len(a), len(b)) < 3 or abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if OSA.distance(a, b, score_cutoff=1) > 1:
        return False
    if len(a) == len(b):  # a changed letter (one position differs) or a swap (two do)
        return len(a) >= 4 or Hamming.distance(a, b) == 2
    return min(len(a), len(b)) >= 4


def names_alike(a: str, b: str) -> bool:
    """Two given-name keys alike: Jaro-Winkler 0.88 or more, or one slip apart."""
    return bool(a and b) and (jaro_winkler(a, b) >= 0.88 or one_slip(a, b))
