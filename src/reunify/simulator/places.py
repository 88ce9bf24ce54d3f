"""Where things happen and who signs them: stations, courts, facilities, officials, authorities.

Facility names are generic, invented or public place names; officials are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reunify.simulator import names as N


@dataclass(frozen=True)
class Sector:
    """A border sector: its stations, the court its prosecutions go to, its detention centres."""

    stations: tuple[str, ...]
    court: str
    detention: tuple[str, ...]
    weight: float


SECTORS = (
    Sector(("McAllen Station", "Ursula Centralized Processing Center", "Weslaco Station",
            "Brownsville Station"), "U.S. District Court S.D. Tex. (McAllen)",
           ("Port Isabel Service Processing Center", "Joe Corley Processing Center",
            "Rio Grande Detention Center"), 0.45),
    Sector(("Clint Station", "Paso del Norte Port of Entry", "Santa Teresa Station"),
           "U.S. District Court W.D. Tex. (El Paso)",
           ("El Paso Service Processing Center", "Otero County Processing Center"), 0.2),
    Sector(("Yuma Station", "Tucson Coordination Center", "Nogales Station"),
           "U.S. District Court D. Ariz. (Tucson)",
           ("Eloy Detention Center", "Florence Service Processing Center"), 0.2),
    Sector(("Chula Vista Station", "San Ysidro Port of Entry", "Imperial Beach Station"),
           "U.S. District Court S.D. Cal. (San Diego)",
           ("Otay Mesa Detention Center", "Adelanto ICE Processing Center"), 0.15),
)
#: Detention centres far from the border that separated parents were moved to.
DISTANT_DETENTION = ("Federal Detention Center SeaTac", "FCI Victorville",
                     "Northwest Detention Center", "Stewart Detention Center",
                     "T. Don Hutto Residential Center", "Krome Service Processing Center")
FAMILY_CENTRES = ("South Texas Family Residential Center", "Karnes County Residential Center",
                  "Berks County Residential Center")
SHELTERS = ("Casa Esperanza Shelter, Brownsville TX", "Casa Sol Shelter, San Benito TX",
            "Estrella del Norte Shelter, El Paso TX", "Los Cerritos Children's Center, Phoenix AZ",
            "Nueva Luz Shelter, Harlingen TX", "Bay Area Children's Residence, San Diego CA",
            "Tornillo Influx Facility, Tornillo TX", "Homestead Influx Facility, Homestead FL",
            "Lakeside Youth Home, Chicago IL",
            "Riverside Transitional Foster Care, Grand Rapids MI",
            "Harbor Foster Care Program, New York NY", "Hill Country Youth Shelter, San Antonio TX")
TENDER_AGE_SHELTERS = ("Rio Bravo Tender Age Shelter, Combes TX",
                       "Valle Tender Age Shelter, Raymondville TX",
                       "Riverside Transitional Foster Care, Grand Rapids MI",
                       "Harbor Foster Care Program, New York NY")

MEMO = "DHS Zero Tolerance memo 2018-04-06"
REFERRAL = "8 U.S.C. § 1325(a) referral"
ILLEGAL_ENTRY = "8 U.S.C. § 1325(a)"
REENTRY = "8 U.S.C. § 1326"
APPREHENSION = "INA § 235 (8 U.S.C. § 1225)"
EXPEDITED_REMOVAL = "INA § 235(b)(1) expedited removal"
REMOVAL_ORDER = "INA § 240 removal order"
PAROLE = "INA § 212(d)(5) parole"
TVPRA_PLACEMENT = "TVPRA, 8 U.S.C. § 1232(b)"
TVPRA_RELEASE = "TVPRA, 8 U.S.C. § 1232(c)"
MS_L = "Ms. L. v. ICE, No. 18-cv-0428 (S.D. Cal.) order 2018-06-26"
FLORES = "Flores Settlement Agreement ¶ 14"

SEPARATION_REASONS = (
    ("parent referred for prosecution", 0.82), ("parent has prior removal", 0.07),
    ("parental relationship not verified", 0.06), ("parent has criminal history", 0.03),
    ("parent hospitalized", 0.02),
)
SPONSORS = ("mother in the U.S.", "father in the U.S.", "aunt", "uncle", "adult sibling",
            "cousin", "family friend", "grandmother")
#: Sponsors of a child whose parent was with them at the border (and is held or removed).
RELATIVE_SPONSORS = SPONSORS[2:]


class Officials:
    """Invented officials, a few per place, drawn once per season so names recur."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._by_place: dict[tuple[str, str], tuple[str, ...]] = {}

    def _name(self) -> str:
        return f"{self.rng.choice(N.INITIALS)}. {self.rng.choice(N.OFFICIAL_SURNAMES)}"

    def at(self, title: str, place: str) -> str:
        """One of the officials with ``title`` who work at ``place``."""
        key = (title, place)
        pool = self._by_place.get(key)
        if pool is None:
            if title == "Agent":
                pool = tuple(f"Agent {self._name()} #{self.rng.randrange(1000, 9999)}"
                             for _ in range(12))
            else:
                pool = tuple(f"{title} {self._name()}" for _ in range(4))
            self._by_place[key] = pool
        return self.rng.choice(pool)
