"""Synthetic name pools: Spanish and Central American names, Mayan-language surnames and given
names, nicknames and spelling variants. Invented lists of common words; no real person's record.

Pools are ordered from most to least common; ``pick`` draws with Zipf-like weights so that a few
names (José, Hernández) are very common, as they are at the border.
"""

from __future__ import annotations

import random
from itertools import accumulate

MALE_GIVEN = (
    "José", "Juan", "Carlos", "Luis", "Jesús", "Francisco", "Antonio", "Miguel", "Jorge",
    "Pedro", "Manuel", "Mario", "Eduardo", "Guillermo", "Fernando", "Ricardo", "Roberto",
    "Alejandro", "Rafael", "Oscar", "Víctor", "Julio", "Marvin", "Wilmer", "Edwin", "Selvin",
    "Elmer", "Nelson", "Walter", "Byron", "Kevin", "Brayan", "Jonathan", "Erick", "Henry",
    "Denis", "Santos", "Baltazar", "Domingo", "Gaspar", "Mateo", "Diego", "Andrés", "Ángel",
    "Enrique", "Ignacio", "Alberto", "Gerardo", "Rigoberto", "Esteban", "Tomás", "Cristian",
    "Josué", "Dilan", "Anderson", "Yefri", "Darwin", "Axel", "Héctor", "Ramón", "Sebastián",
)
FEMALE_GIVEN = (
    "María", "Ana", "Rosa", "Guadalupe", "Carmen", "Sandra", "Yesenia", "Gladys", "Marta",
    "Dolores", "Concepción", "Rosario", "Consuelo", "Elena", "Juana", "Silvia", "Karla",
    "Jessica", "Heidy", "Yoselin", "Glenda", "Dayana", "Wendy", "Brenda", "Sonia", "Reina",
    "Blanca", "Lesly", "Ximena", "Katherine", "Jennifer", "Estefany", "Fernanda", "Valeria",
    "Alejandra", "Isabel", "Lucía", "Sofía", "Camila", "Andrea", "Ixchel", "Marisol", "Yadira",
    "Olga", "Lidia", "Irma", "Paola", "Nayeli", "Abigail", "Keyla", "Dulce", "Esperanza",
)
#: Second given names that make compound names ("María José", "Juan Carlos").
MALE_SECOND = ("Carlos", "José", "Antonio", "Luis", "Manuel", "Francisco", "Miguel", "David",
               "Alberto", "Alexander", "Daniel", "Eduardo", "Enrique", "Ángel")
FEMALE_SECOND = ("José", "Fernanda", "Guadalupe", "Isabel", "Elena", "del Carmen", "Alejandra",
                 "Yamileth", "Lucía", "Esther", "Beatriz", "Marisol", "Gabriela", "de Jesús")
#: Compound names that always lead with María or José.
COMPOUND_LEADS = {"M": ("José", "Juan", "Luis", "Carlos"), "F": ("María", "Ana", "Rosa")}

SPANISH_SURNAMES = (
    "Hernández", "López", "García", "Pérez", "Martínez", "Rodríguez", "González", "Ramírez",
    "Flores", "Sánchez", "Morales", "Cruz", "Reyes", "Gómez", "Díaz", "Castillo", "Ramos",
    "Ortiz", "Vásquez", "Mejía", "Chávez", "Gutiérrez", "Torres", "Mendoza", "Aguilar",
    "Rivera", "Juárez", "Romero", "Álvarez", "Jiménez", "Orellana", "Escobar", "Méndez",
    "Portillo", "Velásquez", "Zelaya", "Argueta", "Bonilla", "Cáceres",
    "Maldonado", "Osorio", "Pineda", "Quintanilla", "Ruiz", "Salazar", "Sosa", "Villatoro",
    "Fuentes", "Galdámez", "Interiano", "Lemus", "Montoya", "Navarro", "Paz", "Recinos",
    "Zepeda", "Barrios", "Carranza", "De León", "Del Cid", "Figueroa", "Ordóñez", "Tobar",
)
#: Surnames of K'iche', Q'eqchi' and Mam speakers (as a civil registry in Guatemala writes them).
MAYAN_SURNAMES = (
    "Tzoc", "Xol", "Cux", "Ajanel", "Ixcoy", "Pu", "Tuy", "Caal", "Choc", "Coc", "Tiul", "Bol",
    "Maquin", "Chub", "Pop", "Ical", "Tzul", "Ixcot", "Batz", "Tum", "Quej", "Sic", "Ajú",
    "Tecún", "Xicay", "Chiquitó", "Cac", "Ixmay", "Tzunún", "Q'uix", "K'oy", "Ch'ok",
    "Tz'ul", "Xitumul", "Ajpop", "Cuc", "Chox", "Mux", "Yat", "Ba",
)
MAYAN_GIVEN_F = ("Ixchel", "Nikté", "Ixmucané", "Saqik", "Ixkem")
MAYAN_GIVEN_M = ("Balam", "Kawoq", "Tojil", "Ajpu")

#: Nicknames people go by and sources write down instead of the given name.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Guadalupe": ("Lupe", "Lupita"), "Jesús": ("Chuy", "Chucho"), "Francisco": ("Pancho", "Paco",
    "Chico"), "Guillermo": ("Memo",), "Antonio": ("Toño",), "Eduardo": ("Lalo",),
    "José": ("Pepe", "Chepe"), "Alejandro": ("Alex",), "Roberto": ("Beto",), "Alberto": ("Beto",),
    "Enrique": ("Kike",), "Ignacio": ("Nacho",), "Rosario": ("Chayo",), "Concepción": ("Concha",
    "Conchita"), "Dolores": ("Lola",), "Consuelo": ("Chelo",), "Rafael": ("Rafa",),
    "Fernando": ("Nando",), "Manuel": ("Manolo",), "Santos": ("Chente",), "Gerardo": ("Jerry",),
    "Ricardo": ("Richi",), "Isabel": ("Chabela",), "Elena": ("Nena",), "Juana": ("Juanita",),
    "Carmen": ("Menchu",), "Rigoberto": ("Rigo",), "Domingo": ("Mingo",), "Sebastián": ("Chebo",),
}
#: Spellings of one name as different clerks write it (each tuple is one name).
SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Yesenia", "Jesenia", "Yessenia"), ("Yoselin", "Joselyn", "Yoseline", "Joselin"),
    ("Jessica", "Yessica", "Yesica"), ("Jonathan", "Jonatan", "Yonatan"), ("Kevin", "Kevyn"),
    ("Brayan", "Bryan", "Brian"), ("Wilmer", "Wilmar"), ("Heidy", "Heidi", "Jeidy"),
    ("Katherine", "Katerin", "Catherine", "Katerine"), ("Jennifer", "Yenifer", "Jenifer"),
    ("Estefany", "Stephany", "Stefani", "Estefani"), ("Ximena", "Jimena"), ("Lesly", "Leslie"),
    ("Dayana", "Dallana", "Diana"), ("Erick", "Erik", "Eric"), ("Josué", "Josue", "Jossue"),
    ("Yefri", "Jefry", "Jeffrey"), ("Dilan", "Dylan"), ("Keyla", "Kayla", "Queila"),
    ("Nayeli", "Nayely"), ("Vásquez", "Vázquez", "Velasquez"), ("Velásquez", "Velázquez"),
    ("Gutiérrez", "Gutierres"), ("Juárez", "Juares"), ("Mejía", "Mejilla"),
    ("Villatoro", "Billatoro"), ("Galdámez", "Galdamez", "Galdames"), ("Ordóñez", "Ordonez"),
    ("Zelaya", "Celaya"), ("Cáceres", "Caseres"), ("Sosa", "Soza"), ("Paz", "Pas"),
)
SPELLING_OF: dict[str, tuple[str, ...]] = {
    name: tuple(other for other in group if other != name) for group in SPELLINGS
    for name in group
}

#: Surnames of the officials who sign things (agents, prosecutors, officers, case managers).
OFFICIAL_SURNAMES = (
    "Ortiz", "Whitfield", "Brennan", "Nakamura", "Delgado", "Okafor", "Hughes", "Kowalski",
    "Ramírez", "Thompson", "Greer", "Castañeda", "Lindqvist", "Moreau", "Patel", "Sullivan",
    "Yazzie", "Bauer", "Fitzgerald", "Huerta", "Ingram", "Jaramillo", "Kim", "Lowell",
    "McAllister", "Novak", "Oyelaran", "Pruitt", "Quinones", "Rasmussen", "Stroud", "Tanaka",
)
INITIALS = "ABCDEFGHJKLMNPRSTW"

VILLAGES = {
    "GT": ("Aldea Chiquisis, Cunén, Quiché", "Cantón Xecaxjoj, Momostenango, Totonicapán",
           "Aldea Sesajal, San Pedro Carchá, Alta Verapaz", "Caserío Tuichim, Todos Santos "
           "Cuchumatán, Huehuetenango", "Colonia El Milagro, Ciudad de Guatemala"),
    "HN": ("Colonia Rivera Hernández, San Pedro Sula", "Barrio El Centro, Choloma, Cortés",
           "Aldea La Cuesta, Olancho", "Colonia Kennedy, Tegucigalpa"),
    "SV": ("Cantón El Zapote, Usulután", "Colonia Santa Lucía, Ilopango", "Barrio San Jacinto, "
           "San Salvador", "Caserío Los Naranjos, Chalatenango"),
    "MX": ("Colonia Las Flores, Ciudad Juárez, Chih.", "Col. Centro, Tapachula, Chis.",
           "Ejido San Miguel, Guerrero"),
}
US_ADDRESSES = (
    "1420 W 8th St, Los Angeles CA", "88 Elm Ave Apt 3, Houston TX", "2231 Oak Dr, Dallas TX",
    "45 Ridge Rd, Providence RI", "910 Maple St, Charlotte NC", "3307 16th St NW, Washington DC",
    "17 Pine St Apt 2B, Brentwood NY", "602 Cedar Ln, Nashville TN", "1255 Palm Ave, Miami FL",
)


#: Cumulative Zipf-like weights per pool, computed once.
_CUMULATIVE: dict[tuple[str, ...], list[float]] = {}


def pick(rng: random.Random, pool: tuple[str, ...]) -> str:
    """A name from ``pool``, earlier names more likely (weights 1/(rank+3))."""
    cum = _CUMULATIVE.get(pool)
    if cum is None:
        cum = _CUMULATIVE[pool] = list(accumulate(1.0 / (rank + 3) for rank in range(len(pool))))
    return rng.choices(pool, cum_weights=cum)[0]
