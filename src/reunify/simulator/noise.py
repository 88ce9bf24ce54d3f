"""How sources write people down: names, birth dates, A-numbers and phones, with the errors and
habits of real clerks. Each function takes the true value and returns it as one source records
it; the rates are ``Rates`` fields (docs/simulator.md lists them)."""

from __future__ import annotations

import datetime as dt
import random

from reunify.rules.names import strip_accents  # as systems without accents write names
from reunify.simulator import names as N
from reunify.simulator.people import Person
from reunify.simulator.rates import Rates

_MAYAN = frozenset(N.MAYAN_SURNAMES) | frozenset(N.MAYAN_GIVEN_F) | frozenset(N.MAYAN_GIVEN_M)
_NEIGHBOURS = {"GT": ("MX", "HN", "SV"), "HN": ("GT", "SV", "NI"), "SV": ("HN", "GT"),
               "MX": ("GT",), "NI": ("HN",), "EC": ("CO",), "BR": ("PT",), "CU": ("DO",),
               "IN": ("NP",)}


def by_ear(rng: random.Random, name: str) -> str:
    """A Mayan-language name as a Spanish- or English-speaking clerk hears and spells it."""
    out = name.replace("'", "")
    swaps = (("tz", "ts"), ("x", "sh"), ("X", "Sh"), ("qu", "k"), ("Qu", "K"), ("q", "k"),
             ("Q", "K"), ("k", "c"), ("K", "C"), ("c", "k"), ("C", "K"), ("oy", "oi"),
             ("j", "h"))
    applicable = [(a, b) for a, b in swaps if a in out]
    for a, b in rng.sample(applicable, k=min(len(applicable), rng.randint(1, 2))):
        out = out.replace(a, b, 1)
    return out


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: a letter dropped, doubled or two swapped."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def _spell(rng: random.Random, rates: Rates, word: str) -> str:
    if word in _MAYAN and rng.random() < rates.mayan_by_ear:
        return by_ear(rng, word)
    variants = N.SPELLING_OF.get(word)
    if variants and rng.random() < rates.spelling_variant:
        return rng.choice(variants)
    return word


def given_as_called(rng: random.Random, rates: Rates, given: tuple[str, ...]) -> list[str]:
    """Given names as the person says them or a clerk shortens them."""
    names = list(given)
    if len(names) > 1 and rng.random() < rates.compound_cut:
        names = [names[1] if rng.random() < 0.1 and " " not in names[1] else names[0]]
    if rng.random() < rates.nickname and names[0] in N.NICKNAMES:
        names = [rng.choice(N.NICKNAMES[names[0]])]
    return [_spell(rng, rates, n) for n in names]


def write_name(rng: random.Random, rates: Rates, person: Person, *, upper: float = 0.0,
               accents: float | None = None, one_field: float = 0.0) -> tuple[str, str]:
    """(family_name, given_name) as one source records this person; with probability
    ``one_field`` the whole name goes into family_name as "SURNAMES, GIVEN" (a docket's
    caption), and now and then the two fields are swapped."""
    given = given_as_called(rng, rates, person.given)
    pat, mat = _spell(rng, rates, person.paternal), _spell(rng, rates, person.maternal)
    roll = rng.random()
    if roll < rates.one_surname:
        family = pat if rng.random() < 0.8 else mat
    elif roll < rates.one_surname + rates.surnames_swapped:
        family = f"{mat} {pat}"
    elif roll < rates.one_surname + rates.surnames_swapped + rates.surnames_hyphenated:
        family = f"{pat}-{mat}"
    else:
        family = f"{pat} {mat}"
    given_text = " ".join(given)
    if rng.random() < rates.typo:
        if rng.random() < 0.5:
            family = typo(rng, family)
        else:
            given_text = typo(rng, given_text)
    if rng.random() < (rates.drop_accents if accents is None else accents):
        family, given_text = strip_accents(family), strip_accents(given_text)
    if rng.random() < upper:
        family, given_text = family.upper(), given_text.upper()
    roll = rng.random()
    if roll < one_field:
        return f"{family}, {given_text}", ""
    if roll < one_field + rates.name_fields_swapped:
        return given_text, family
    return family, given_text


#: How clerks write the Mayan languages (and Spanish) when they do not use the usual spelling.
LANGUAGE_SPELLINGS = {
    "es": ("Spanish", "spa", "español"), "k'iche'": ("kiche", "quiche", "K'iche'"),
    "q'eqchi'": ("kekchi", "qeqchi", "Q'eqchi'"), "mam": ("Mam",),
}


def write_languages(rng: random.Random, rates: Rates, languages: tuple[str, ...]) -> str:
    """Languages, ``;``-separated, some spelled the clerk's way."""
    return ";".join(rng.choice(LANGUAGE_SPELLINGS[lang]) if lang in LANGUAGE_SPELLINGS
                    and rng.random() < rates.language_spelling else lang
                    for lang in languages)


def name_as_told(rng: random.Random, rates: Rates, person: Person) -> str:
    """The full name of a parent as their child gives it in an interview: often partial."""
    given = given_as_called(rng, rates, person.given)
    roll = rng.random()
    pat = _spell(rng, rates, person.paternal)
    if roll < 0.25:
        parts = given[:1]
    elif roll < 0.7:
        parts = [*given, pat]
    elif roll < 0.9:
        parts = [*given, pat, _spell(rng, rates, person.maternal)]
    else:
        nick = N.NICKNAMES.get(person.given[0])
        parts = [rng.choice(nick) if nick else given[0], pat]
    text = " ".join(parts)
    return strip_accents(text) if rng.random() < rates.drop_accents else text


def write_birth_date(rng: random.Random, rates: Rates, birth: dt.date, *, child: bool) -> str:
    """A birth date as recorded: exact, or swapped, estimated, first of January, year only."""
    roll = rng.random()
    kind = ""
    for rate, name in ((rates.birth_missing, "missing"), (rates.birth_year_only, "year"),
                       (rates.birth_first_of_january, "jan1"),
                       (rates.birth_estimated_year * (1.5 if child else 0.5), "estimated"),
                       (rates.birth_day_month_swapped, "swapped"), (rates.typo, "typo")):
        if roll < rate:
            kind = name
            break
        roll -= rate
    if not kind:
        return birth.isoformat()
    if kind == "missing":
        return ""
    if kind == "year":
        return f"{birth.year:04d}"
    if kind == "jan1":
        return f"{birth.year:04d}-01-01"
    if kind == "estimated":
        year = birth.year + rng.choice((-1, 0, 0, 1))
        return f"{year:04d}" if rng.random() < 0.5 else f"{year:04d}-01-01"
    if kind == "swapped" and birth.day <= 12 and birth.day != birth.month:
        return f"{birth.year:04d}-{birth.day:02d}-{birth.month:02d}"
    if kind == "typo":
        day = min(max(birth.day + rng.choice((-1, 1, 10, -10)), 1), 28)
        return birth.replace(day=day).isoformat()
    return birth.isoformat()


def write_a_number(rng: random.Random, rates: Rates, a_number: str) -> str:
    """An A-number as recorded: maybe one digit wrong or two swapped, in one of many formats."""
    digits = list(a_number)
    roll = rng.random()
    if roll < rates.a_number_digit_wrong:
        i = rng.randrange(1, len(digits))
        digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
    elif roll < rates.a_number_digit_wrong + rates.a_number_transposed:
        i = rng.randrange(1, len(digits) - 1)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    text = "".join(digits)
    if text.startswith("0") and rng.random() < 0.5:
        text = text[1:]
    fmt = rng.randrange(6)
    if fmt == 0:
        return f"A{text}"
    if fmt == 1:
        return text
    groups = [text[:-6], text[-6:-3], text[-3:]]
    if fmt == 2:
        return "A-" + "-".join(groups)
    if fmt == 3:
        return "A " + " ".join(groups)
    if fmt == 4:
        return "-".join(groups)
    return f"A{text}"


def write_phone(rng: random.Random, phone: str) -> str:
    """A phone number in one of the ways people write it."""
    code, number = phone.split(" ", 1)
    fmt = rng.randrange(5)
    if fmt == 0:
        return phone
    if fmt == 1:
        return number
    if fmt == 2:
        half = len(number) // 2
        return f"{code} {number[:half]}-{number[half:]}"
    if fmt == 3:
        return f"({code.lstrip('+')}) {number}"
    return f"00{code.lstrip('+')}{number}"


def write_country(rng: random.Random, rates: Rates, country: str) -> str:
    """Country of citizenship as recorded (sometimes a neighbour's)."""
    if rng.random() < rates.country_wrong:
        return rng.choice(_NEIGHBOURS.get(country, (country,)))
    return country
