"""Deterministic fake leads of the sandbox's clients.

Why it is built this way:
- Same seed and client id → same leads, so tests, demos and benchmarks are reproducible. Every
  random stream is a `random.Random` seeded from a blake2b hash of its inputs (never Python's
  salted `hash()`), and creation dates are offsets from an *anchor* time (process start rounded
  down to the minute, or LEADS_SANDBOX_ANCHOR for byte-identical runs).
- Large volumes must stay cheap. A client's leads are an index of small `LeadRow` tuples (date,
  type, portal, listing, contact, id) sorted by creation date, so a date window is two bisects
  and a page is a slice. The full JSON of a lead (names, phones, message, listing...) is rebuilt
  on demand from the lead's own seeded stream, for the leads of the page only.
- Content is realistic French data with the awkward cases a dashboard must survive: accents,
  several phone formats, GDPR-erased contacts, messages with `;`, quotes, newlines, HTML and
  formula-like starts, and seekers who come back (same e-mail and phone on several leads).
  E-mail domains are reserved example domains and listing URLs use the reserved `.example` TLD,
  so nothing generated here can reach a real mailbox or site.

Nothing here touches the database.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import threading
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured

from leadsportal.lib.env import env_str

# --- Vocabulary of the contract -------------------------------------------------------------

LEAD_TYPES: tuple[str, ...] = ("CLASSIFIED", "AGENCY", "SELLER", "PROPERTY_SEARCH")
_TYPE_WEIGHTS = (50, 15, 20, 15)

PORTALS: tuple[str, ...] = (
    "SLG-FRA",
    "SLN-FRA",
    "SLC-FRA",
    "BCM-FRA",
    "LIM-FRA",
    "LIN-FRA",
    "LIC-FRA",
    "BDS-FRA",
    "LUX-FRA",
    "LCI-FRA",
    "MAG-FRA",
    "SIG-FRA",
)
# SeLoger and Logic-Immo bring most leads; every portal shows up in a 2,000-lead data set.
_PORTAL_WEIGHTS = (34, 6, 3, 3, 24, 5, 3, 5, 3, 4, 7, 3)

ESTATE_TYPES: tuple[str, ...] = (
    "HOUSE",
    "APARTMENT",
    "PLOT",
    "BUILDING",
    "OFFICE",
    "TRADING",
    "PARKING",
    "MISCELLANEOUS",
)
_LISTING_ESTATE_WEIGHTS = (25, 58, 3, 1, 4, 3, 5, 1)

INTENTIONS: tuple[str | None, ...] = ("BUY", "RENT", "SELL", "MANAGE", "ASK_A_QUESTION", None)
_INTENTION_WEIGHTS = (30, 20, 25, 8, 12, 5)

SALE_TIMEFRAMES = (
    "IMMEDIATE",
    "LESS_THAN_3_MONTHS",
    "LESS_THAN_6_MONTHS",
    "MORE_THAN_6_MONTHS",
    "UNKNOWN",
)

# Share of leads (per mille) with special contacts or messages.
_ERASED_PER_MILLE = 20
_RETURNING_PER_MILLE = 60
_TRICKY_PER_MILLE = 45

WINDOW_DAYS = 120
# Leads added at run time (state.add_lead) number their rows from here, after the generated ones.
ADDED_BASE = 1_000_000_000


# --- Stable randomness ----------------------------------------------------------------------


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts, identical across processes and Python versions."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _rng(*parts: object) -> random.Random:
    return random.Random(stable_int(*parts))


def _cum(weights: Sequence[int]) -> list[int]:
    return list(accumulate(weights))


# --- Anchor ---------------------------------------------------------------------------------


def _read_anchor() -> datetime:
    raw = env_str("LEADS_SANDBOX_ANCHOR")
    if raw:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"LEADS_SANDBOX_ANCHOR={raw!r} is not an ISO 8601 date-time."
            ) from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return datetime.now(UTC).replace(second=0, microsecond=0)


#: Generated leads are spread over the WINDOW_DAYS days before this instant.
ANCHOR: datetime = _read_anchor()


# --- Geography ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    key: str
    code: str
    places: tuple[tuple[str, str], ...]  # (postal code, city)
    sale_m2: int
    rent_m2: int
    streets: tuple[str, ...] = ()


_STREETS = (
    "rue Victor-Hugo",
    "avenue Jean-Jaurès",
    "rue de la République",
    "boulevard Gambetta",
    "rue des Écoles",
    "place de l'Église",
    "rue Émile-Zola",
    "allée des Tilleuls",
    "chemin des Vignes",
    "rue du Général-de-Gaulle",
    "impasse des Lilas",
    "quai de la Fontaine",
    "rue Saint-Honoré",
    "avenue de la Libération",
    "rue Anatole-France",
)

REGIONS: dict[str, Region] = {
    region.key: region
    for region in (
        Region(
            "paris",
            "PAR",
            (
                ("75003", "Paris"),
                ("75005", "Paris"),
                ("75011", "Paris"),
                ("75012", "Paris"),
                ("75015", "Paris"),
                ("75017", "Paris"),
                ("75018", "Paris"),
                ("75020", "Paris"),
                ("92100", "Boulogne-Billancourt"),
                ("92300", "Levallois-Perret"),
                ("92130", "Issy-les-Moulineaux"),
                ("93100", "Montreuil"),
                ("94300", "Vincennes"),
                ("94220", "Charenton-le-Pont"),
            ),
            10_400,
            31,
        ),
        Region(
            "lyon",
            "LYO",
            (
                ("69001", "Lyon"),
                ("69002", "Lyon"),
                ("69003", "Lyon"),
                ("69006", "Lyon"),
                ("69007", "Lyon"),
                ("69100", "Villeurbanne"),
                ("69300", "Caluire-et-Cuire"),
                ("69130", "Écully"),
                ("69500", "Bron"),
                ("69600", "Oullins-Pierre-Bénite"),
                ("69160", "Tassin-la-Demi-Lune"),
            ),
            5_100,
            16,
        ),
        Region(
            "bordeaux",
            "BOR",
            (
                ("33000", "Bordeaux"),
                ("33300", "Bordeaux"),
                ("33700", "Mérignac"),
                ("33600", "Pessac"),
                ("33400", "Talence"),
                ("33130", "Bègles"),
            ),
            4_700,
            15,
        ),
        Region(
            "marseille",
            "MAR",
            (
                ("13001", "Marseille"),
                ("13006", "Marseille"),
                ("13008", "Marseille"),
                ("13100", "Aix-en-Provence"),
                ("13400", "Aubagne"),
                ("13600", "La Ciotat"),
            ),
            3_700,
            15,
        ),
        Region(
            "nantes",
            "NAN",
            (
                ("44000", "Nantes"),
                ("44100", "Nantes"),
                ("44400", "Rezé"),
                ("44800", "Saint-Herblain"),
                ("44700", "Orvault"),
            ),
            3_900,
            14,
        ),
        Region(
            "lille",
            "LIL",
            (
                ("59000", "Lille"),
                ("59800", "Lille"),
                ("59100", "Roubaix"),
                ("59200", "Tourcoing"),
                ("59650", "Villeneuve-d'Ascq"),
                ("59700", "Marcq-en-Barœul"),
            ),
            3_600,
            15,
        ),
        Region(
            "toulouse",
            "TOU",
            (
                ("31000", "Toulouse"),
                ("31400", "Toulouse"),
                ("31700", "Blagnac"),
                ("31770", "Colomiers"),
                ("31130", "Balma"),
            ),
            3_700,
            14,
        ),
        Region(
            "nice",
            "NIC",
            (
                ("06000", "Nice"),
                ("06300", "Nice"),
                ("06400", "Cannes"),
                ("06600", "Antibes"),
                ("06700", "Saint-Laurent-du-Var"),
            ),
            5_300,
            19,
        ),
    )
}


def region_for(client_id: str, seed: int) -> Region:
    """The region named in the client id ("agence-lyon-demo" → Lyon), else a seeded pick."""
    lowered = client_id.lower()
    for key, region in REGIONS.items():
        if key in lowered:
            return region
    keys = sorted(REGIONS)
    return REGIONS[keys[stable_int(seed, client_id, "region") % len(keys)]]


# --- People ---------------------------------------------------------------------------------

_FEMALE_NAMES = (
    "Éloïse",
    "Hélène",
    "Bénédicte",
    "Chloé",
    "Zoé",
    "Anaïs",
    "Maëlle",
    "Noémie",
    "Inès",
    "Léa",
    "Camille",
    "Aurélie",
    "Céline",
    "Agnès",
    "Marie-Thérèse",
    "Sophie",
    "Juliette",
    "Manon",
    "Isabelle",
    "Amélie",
    "Josiane",
    "Gaëlle",
    "Valérie",
    "Nathalie",
    "Yasmina",
    "Fatoumata",
)
_MALE_NAMES = (
    "François",
    "Jérôme",
    "Sébastien",
    "Stéphane",
    "Frédéric",
    "Gaël",
    "Loïc",
    "Raphaël",
    "Noël",
    "Benoît",
    "Théo",
    "Hugo",
    "Louis",
    "Jean-Baptiste",
    "Joël",
    "Antoine",
    "Mathieu",
    "Nicolas",
    "Thomas",
    "Cédric",
    "Hervé",
    "Karim",
    "Mehdi",
    "Olivier",
    "Rémi",
    "Grégoire",
)
_LAST_NAMES = (
    "Lefèvre",
    "Núñez",
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Michel",
    "Garcia",
    "Da Silva",
    "N'Diaye",
    "Müller",
    "Lemaître",
    "Bérard",
    "Gauthier",
    "Rousseau",
    "Mercier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Roux",
    "Fournier",
    "Morel",
    "Lefèvre-Duval",
    "Nguyen",
    "Benali",
    "Haddad",
    "Kowalski",
    "Van der Berg",
    "Château",
    "Besnard",
    "Pérez",
    "Le Goff",
    "Guérin",
    "Chevalier",
    "Barbé",
)
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "courriel.example")
_LANGUAGES = ("FR", "EN", "DE", "ES", "IT", "NL", "PT", "HE", "RU")
_LANGUAGE_WEIGHTS = (880, 40, 15, 15, 15, 10, 10, 5, 10)


def _ascii_slug(text: str) -> str:
    text = text.replace("œ", "oe").replace("æ", "ae")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == "-")


def _phone_digits(rng: random.Random, mobile: bool) -> str:
    prefix = rng.choice(("6", "7")) if mobile else rng.choice(("1", "2", "3", "4", "5", "9"))
    return prefix + "".join(str(rng.randrange(10)) for _ in range(8))


def _format_phone(digits: str, style: int) -> str:
    """digits is the national number without its leading 0 ("612345678")."""
    national = "0" + digits
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    if style == 0:
        return "+33" + digits
    if style == 1:
        return " ".join(pairs)
    if style == 2:
        return ".".join(pairs)
    if style == 3:
        return national
    return f"+33 {digits[0]} " + " ".join(digits[i : i + 2] for i in range(1, 9, 2))


@dataclass(frozen=True, slots=True)
class Contact:
    first_name: str
    last_name: str
    gender: str
    language: str
    email: str | None
    phone_numbers: tuple[dict[str, Any], ...]


def _make_contact(rng: random.Random) -> Contact:
    roll = rng.random()
    if roll < 0.49:
        gender, first = "FEMALE", rng.choice(_FEMALE_NAMES)
    elif roll < 0.97:
        gender, first = "MALE", rng.choice(_MALE_NAMES)
    else:
        gender = rng.choice(("OTHER", "PREFER_NOT_TO_DISCLOSE"))
        first = rng.choice(_FEMALE_NAMES + _MALE_NAMES)
    last = rng.choice(_LAST_NAMES)
    language = rng.choices(_LANGUAGES, weights=_LANGUAGE_WEIGHTS)[0]
    email: str | None = None
    if rng.random() < 0.96:
        f, lname = _ascii_slug(first), _ascii_slug(last)
        local = rng.choice(
            (
                f"{f}.{lname}",
                f"{f[0]}.{lname}",
                f"{lname}.{f}",
                f"{f}{lname}{rng.randrange(10, 99)}",
            )
        )
        email = f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
    count = rng.choices((0, 1, 2), weights=(8, 72, 20))[0]
    phones = []
    for index in range(count):
        mobile = rng.random() < (0.85 if index == 0 else 0.3)
        phones.append(
            {
                "type": "MOBILE" if mobile else "LANDLINE",
                "number": _format_phone(_phone_digits(rng, mobile), rng.randrange(5)),
                "isVerified": rng.random() < 0.4,
            }
        )
    return Contact(first, last, gender, language, email, tuple(phones))


# --- Listings -------------------------------------------------------------------------------

_ESTATE_LABELS = {
    "HOUSE": "Maison",
    "APARTMENT": "Appartement",
    "PLOT": "Terrain",
    "BUILDING": "Immeuble",
    "OFFICE": "Bureaux",
    "TRADING": "Local commercial",
    "PARKING": "Parking",
    "MISCELLANEOUS": "Bien atypique",
}


@dataclass(frozen=True, slots=True)
class Listing:
    classified_id: int
    reference: str
    title: str
    transaction_type: str
    estate_type: str
    price: int
    living_area: float | None
    rooms: int | None
    postal_code: str
    city: str
    url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "classifiedId": self.classified_id,
            "reference": self.reference,
            "title": self.title,
            "transactionType": self.transaction_type,
            "estateType": self.estate_type,
            "price": self.price,
            "livingArea": self.living_area,
            "rooms": self.rooms,
            "postalCode": self.postal_code,
            "city": self.city,
            "url": self.url,
        }


def _make_listing(
    rng: random.Random, region: Region, classified_id: int, reference: str
) -> Listing:
    estate = rng.choices(ESTATE_TYPES, weights=_LISTING_ESTATE_WEIGHTS)[0]
    transaction = "SALE" if rng.random() < 0.7 else "RENT"
    postal_code, city = rng.choice(region.places)
    rooms: int | None
    area: float | None
    if estate == "PARKING":
        area, rooms = None, None
        price = rng.randrange(15, 45) * 1000 if transaction == "SALE" else rng.randrange(8, 25) * 10
    elif estate == "PLOT":
        transaction = "SALE"
        area, rooms = None, None
        price = rng.randrange(60, 400) * 1000
    else:
        if estate == "HOUSE":
            area = round(rng.uniform(70, 200), 1)
        elif estate == "APARTMENT":
            area = round(rng.uniform(18, 140), 1)
        else:
            area = round(rng.uniform(40, 400), 1)
        rooms = max(1, min(8, round(area / 22 + rng.uniform(-0.6, 0.6))))
        if estate in {"OFFICE", "TRADING", "BUILDING", "MISCELLANEOUS"}:
            rooms = None if rng.random() < 0.5 else rooms
        factor = 0.85 if estate == "HOUSE" else 1.0
        if transaction == "SALE":
            price = int(round(area * region.sale_m2 * factor * rng.uniform(0.8, 1.25), -3))
        else:
            price = int(round(area * region.rent_m2 * rng.uniform(0.85, 1.2), -1))
    label = _ESTATE_LABELS[estate]
    parts = [label]
    if rooms:
        parts.append(f"{rooms} pièce{'s' if rooms > 1 else ''}")
    if area:
        parts.append(f"{area:g} m²".replace(".", ","))
    verb = "à vendre" if transaction == "SALE" else "à louer"
    title = f"{' '.join(parts)} {verb} – {city}"
    kind = "achat" if transaction == "SALE" else "location"
    url = f"https://annonces.sandbox.example/{kind}/{estate.lower()}/{classified_id}.htm"
    return Listing(
        classified_id,
        reference,
        title,
        transaction,
        estate,
        price,
        area,
        rooms,
        postal_code,
        city,
        url,
    )


# --- Messages -------------------------------------------------------------------------------

_GREETINGS = ("Bonjour,", "Bonjour", "Bonsoir,", "Madame, Monsieur,", "Bonjour à l'équipe,")
_CLOSINGS = ("Cordialement.", "Merci d'avance !", "Bien à vous,", "Merci", "Bonne journée.")
_CLASSIFIED_ASKS = (
    "je suis intéressé(e) par votre annonce {ref} et je souhaiterais la visiter.",
    "est-ce que le bien {ref} est toujours disponible ? Je peux me déplacer en fin de semaine.",
    "pourriez-vous m'envoyer plus de photos et le montant des charges pour l'annonce {ref} ?",
    "quel est le DPE de ce bien ({ref}) ? Y a-t-il des travaux à prévoir ?",
    "je voudrais connaître l'étage et l'exposition de l'appartement, réf. {ref}.",
    "nous sommes une famille de quatre personnes, le quartier est-il calme ? Réf. {ref}.",
    "le prix est-il négociable ? J'ai un accord de principe de ma banque.",
    "je suis disponible pour une visite dès que possible, de préférence après 18 h.",
)
_AGENCY_ASKS = (
    "je cherche à acheter un appartement dans votre secteur, pouvez-vous me rappeler ?",
    "je souhaite mettre mon bien en gestion locative, quels sont vos honoraires ?",
    "nous déménageons à la rentrée et cherchons une location meublée près des écoles.",
    "j'aimerais prendre rendez-vous à l'agence pour parler d'un projet d'investissement.",
    "avez-vous des biens qui ne sont pas encore publiés sur les portails ?",
)
_SELLER_ASKS = (
    "je souhaite faire estimer ma maison avant de la mettre en vente.",
    "pouvez-vous passer estimer notre appartement ? Nous envisageons de vendre d'ici l'été.",
    "suite à une succession, nous voudrions connaître la valeur du bien de mes parents.",
    "j'hésite entre vendre et louer, pourriez-vous me conseiller ?",
)
_SEARCH_ASKS = (
    "je recherche un bien correspondant à ces critères, merci de me prévenir en priorité.",
    "mon budget est ferme, je peux signer rapidement une offre.",
    "nous cherchons à proximité des transports, un extérieur serait apprécié.",
    "premier achat : je suis accompagné(e) par un courtier.",
)
# Messages that break naive CSV writers, spreadsheets and HTML templates.
_TRICKY_MESSAGES = (
    '=HYPERLINK("https://phishing.sandbox.example";"Voir les photos")',
    "=1+1",
    "+33 6 12 34 56 78 : rappelez-moi après 18h, merci",
    "-- Urgent -- visite possible samedi ?",
    "-500 € sur le prix et je signe ; c'est possible ?",
    "@Agence : merci de me recontacter au plus vite",
    'Bonjour ;\nJe cherche un "T3" lumineux ; budget max 350 000 €.\nCordialement',
    'Prix "négociable" ? ; visite le 12/04 ; "urgent"',
    "Ligne 1\r\nLigne 2\r\n\r\nLigne 4 avec un point-virgule ;",
    "<b>Bonjour</b> <script>alert('xss')</script> & merci",
    "Très bel appartement 👍🏠 je suis intéressée !",
    "\tCommence par une tabulation ; « guillemets français » et ’apostrophes’",
)


# --- Index ----------------------------------------------------------------------------------


class LeadRow(NamedTuple):
    """What a query needs to know about a lead; the rest is rebuilt from its seeded stream."""

    ts: int  # creation date, Unix seconds (UTC)
    n: int  # generation number: seeds the lead's details; also the tiebreak of equal dates
    lead_type: str
    portal: str
    classified_id: int  # 0 unless CLASSIFIED
    contact_key: int  # leads of a returning seeker share it
    erased: bool
    lead_id: str


@dataclass(slots=True)
class _TypeIndex:
    timestamps: list[int] = field(default_factory=list)
    rows: list[LeadRow] = field(default_factory=list)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plus_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


# Leads arrive mostly in daytime; weights are for French local time, approximated as UTC+1.
_HOUR_WEIGHTS = (
    1,
    1,
    1,
    1,
    1,
    2,
    4,
    7,
    10,
    12,
    12,
    11,
    10,
    11,
    12,
    12,
    11,
    11,
    12,
    13,
    12,
    9,
    6,
    3,
)
_UTC_HOURS = tuple((hour - 1) % 24 for hour in range(24))


class ClientData:
    """All generated leads of one sandbox client, indexed by creation date, type and listing."""

    def __init__(self, client_id: str, *, seed: int, count: int, anchor: datetime) -> None:
        self.client_id = client_id
        self.seed = seed
        self.anchor = anchor
        self.agency_id = 10_000 + stable_int(seed, client_id, "agency") % 90_000
        self.region = region_for(client_id, seed)
        self.listings = self._make_catalogue()
        self._by_type: dict[str, _TypeIndex] = {t: _TypeIndex() for t in LEAD_TYPES}
        rows = self._make_rows(count)
        rows.sort()
        self.rows: list[LeadRow] = rows
        self.timestamps: list[int] = [row.ts for row in rows]
        self.by_id: dict[str, LeadRow] = {row.lead_id: row for row in rows}
        self.by_classified: dict[int, list[LeadRow]] = {cid: [] for cid in self.listings}
        for row in rows:
            index = self._by_type[row.lead_type]
            index.timestamps.append(row.ts)
            index.rows.append(row)
            if row.classified_id:
                self.by_classified[row.classified_id].append(row)

    # Building -----------------------------------------------------------------------------

    def _make_catalogue(self) -> dict[int, Listing]:
        rng = _rng(self.seed, self.client_id, "catalogue")
        size = rng.randint(40, 80)
        ids: list[int] = []
        seen: set[int] = set()
        while len(ids) < size:
            candidate = rng.randrange(100_000_000, 999_999_999)
            if candidate not in seen:
                seen.add(candidate)
                ids.append(candidate)
        numbers = rng.sample(range(1, 10_000), size)
        year = self.anchor.year
        listings = {}
        for cid, number in zip(ids, numbers, strict=True):
            reference = f"{self.region.code}-{year}-{number:04d}"
            listings[cid] = _make_listing(
                _rng(self.seed, self.client_id, "listing", cid), self.region, cid, reference
            )
        return listings

    def _make_rows(self, count: int) -> list[LeadRow]:
        rng = _rng(self.seed, self.client_id, "index")
        anchor_ts = int(self.anchor.timestamp())
        oldest_ts = anchor_ts - WINDOW_DAYS * 86_400
        anchor_day = anchor_ts - anchor_ts % 86_400
        listing_ids = list(self.listings)
        popularity = [min(rng.paretovariate(1.3), 25.0) for _ in listing_ids]
        types = rng.choices(LEAD_TYPES, cum_weights=_cum(_TYPE_WEIGHTS), k=count)
        portals = rng.choices(PORTALS, cum_weights=_cum(_PORTAL_WEIGHTS), k=count)
        hours = rng.choices(_UTC_HOURS, cum_weights=_cum(_HOUR_WEIGHTS), k=count)
        listing_picks = rng.choices(listing_ids, weights=popularity, k=count)
        known_contacts: list[int] = []
        rows: list[LeadRow] = []
        for n in range(count):
            ts = (
                anchor_day
                - rng.randrange(WINDOW_DAYS + 1) * 86_400
                + hours[n] * 3600
                + rng.randrange(3600)
            )
            while not oldest_ts <= ts < anchor_ts:
                ts = (
                    anchor_day
                    - rng.randrange(WINDOW_DAYS + 1) * 86_400
                    + hours[n] * 3600
                    + rng.randrange(3600)
                )
            draw = rng.randrange(1000)
            erased = draw < _ERASED_PER_MILLE
            if not erased and draw < _ERASED_PER_MILLE + _RETURNING_PER_MILLE and known_contacts:
                contact_key = known_contacts[rng.randrange(len(known_contacts))]
            else:
                contact_key = n
                if not erased:
                    known_contacts.append(n)
            lead_type = types[n]
            rows.append(
                LeadRow(
                    ts,
                    n,
                    lead_type,
                    portals[n],
                    listing_picks[n] if lead_type == "CLASSIFIED" else 0,
                    contact_key,
                    erased,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                )
            )
        return rows

    # Queries ------------------------------------------------------------------------------

    def window(self, start_ts: int, end_ts: int, lead_type: str | None = None) -> list[LeadRow]:
        """Leads created in [start_ts, end_ts), oldest first."""
        if lead_type is None:
            timestamps, rows = self.timestamps, self.rows
        else:
            index = self._by_type[lead_type]
            timestamps, rows = index.timestamps, index.rows
        lo = bisect.bisect_left(timestamps, start_ts)
        hi = bisect.bisect_left(timestamps, end_ts)
        return rows[lo:hi]

    # Rendering ----------------------------------------------------------------------------

    def listing(self, classified_id: int) -> Listing:
        """A listing of the catalogue, or a seeded one outside it (for leads added at run time)."""
        known = self.listings.get(classified_id)
        if known is not None:
            return known
        reference = f"{self.region.code}-{self.anchor.year}-X{classified_id % 10_000:04d}"
        rng = _rng(self.seed, self.client_id, "listing", classified_id)
        return _make_listing(rng, self.region, classified_id, reference)

    def contact(self, contact_key: int) -> Contact:
        return _make_contact(_rng(self.seed, self.client_id, "contact", contact_key))

    def render(self, row: LeadRow) -> dict[str, Any]:
        """The contract's Lead object for one row."""
        rng = _rng(self.seed, self.client_id, "lead", row.n)
        created = datetime.fromtimestamp(row.ts, UTC)
        meta: dict[str, Any] = {
            "leadId": row.lead_id,
            "leadType": row.lead_type,
            "creationDate": iso(row.ts),
            "portal": row.portal,
            "agencyId": self.agency_id,
        }
        if row.lead_type == "AGENCY":
            meta["intention"] = rng.choices(INTENTIONS, weights=_INTENTION_WEIGHTS)[0]
        meta["expirationDate"] = _plus_years(created, 3).strftime("%Y-%m-%dT%H:%M:%SZ")
        lead: dict[str, Any] = {"leadMetaInfos": meta}

        listing = self.listing(row.classified_id) if row.classified_id else None
        estimation = self._estimation(rng) if row.lead_type == "SELLER" else None
        search = self._property_search(rng) if row.lead_type == "PROPERTY_SEARCH" else None

        if row.erased:
            contact_request: dict[str, Any] = {
                "firstName": None,
                "lastName": None,
                "email": None,
                "phoneNumbers": [],
                "gender": None,
                "language": None,
                "message": None,
                "isOwner": None,
            }
        else:
            contact = self.contact(row.contact_key)
            if row.lead_type == "SELLER":
                is_owner: bool | None = True
            else:
                is_owner = rng.choices((True, False, None), weights=(12, 58, 30))[0]
            contact_request = {
                "firstName": contact.first_name,
                "lastName": contact.last_name,
                "email": contact.email,
                "phoneNumbers": [dict(phone) for phone in contact.phone_numbers],
                "gender": contact.gender,
                "language": contact.language,
                "message": self._message(rng, row.lead_type, listing),
                "isOwner": is_owner,
            }
        lead["contactRequest"] = contact_request
        if listing is not None:
            lead["classified"] = listing.to_json()
        if estimation is not None:
            lead["estimation"] = estimation
        if search is not None:
            lead["propertySearch"] = search
        return lead

    def _message(self, rng: random.Random, lead_type: str, listing: Listing | None) -> str | None:
        draw = rng.randrange(1000)
        if draw < _TRICKY_PER_MILLE:
            return rng.choice(_TRICKY_MESSAGES)
        if draw < _TRICKY_PER_MILLE + 30:
            return None
        asks = {
            "CLASSIFIED": _CLASSIFIED_ASKS,
            "AGENCY": _AGENCY_ASKS,
            "SELLER": _SELLER_ASKS,
            "PROPERTY_SEARCH": _SEARCH_ASKS,
        }[lead_type]
        ask = rng.choice(asks).format(ref=listing.reference if listing else "")
        greeting, closing = rng.choice(_GREETINGS), rng.choice(_CLOSINGS)
        if rng.random() < 0.35:
            return f"{greeting}\n\n{ask[0].upper()}{ask[1:]}\n\n{closing}"
        return f"{greeting} {ask} {closing}"

    def _estimation(self, rng: random.Random) -> dict[str, Any]:
        estate = "HOUSE" if rng.random() < 0.45 else "APARTMENT"
        area = round(rng.uniform(70, 180) if estate == "HOUSE" else rng.uniform(20, 120), 1)
        rooms = max(1, min(8, round(area / 22 + rng.uniform(-0.6, 0.6))))
        postal_code, city = rng.choice(self.region.places)
        value = (
            area
            * self.region.sale_m2
            * (0.85 if estate == "HOUSE" else 1.0)
            * rng.uniform(0.85, 1.2)
        )
        known = rng.random() < 0.9
        return {
            "estateType": estate,
            "address": f"{rng.randint(1, 120)} {rng.choice(_STREETS)}",
            "postalCode": postal_code,
            "city": city,
            "livingArea": area,
            "rooms": rooms,
            "estimatedPriceMin": int(round(value * 0.93, -3)) if known else None,
            "estimatedPriceMax": int(round(value * 1.07, -3)) if known else None,
            "saleTimeframe": rng.choice(SALE_TIMEFRAMES) if rng.random() < 0.95 else None,
        }

    def _property_search(self, rng: random.Random) -> dict[str, Any]:
        transaction = "SALE" if rng.random() < 0.65 else "RENT"
        estate_types = rng.choice((["APARTMENT"], ["HOUSE"], ["APARTMENT", "HOUSE"], ["PARKING"]))
        rooms_min = rng.randint(1, 4)
        area_min = float(rng.randrange(20, 100, 5))
        unit = self.region.sale_m2 if transaction == "SALE" else self.region.rent_m2
        budget_max = int(
            round(area_min * unit * rng.uniform(1.1, 1.6), -3 if transaction == "SALE" else -1)
        )
        places = rng.sample(self.region.places, k=min(len(self.region.places), rng.randint(1, 3)))
        return {
            "transactionType": transaction,
            "estateTypes": estate_types,
            "roomsMin": rooms_min,
            "roomsMax": rooms_min + rng.randint(0, 2) if rng.random() < 0.7 else None,
            "livingAreaMin": area_min,
            "livingAreaMax": area_min + rng.randrange(10, 60, 5) if rng.random() < 0.5 else None,
            "budgetMin": int(budget_max * 0.6) if rng.random() < 0.4 else None,
            "budgetMax": budget_max if rng.random() < 0.9 else None,
            "city": places[0][1],
            "postalCodes": sorted({postal for postal, _ in places}),
        }

    def new_row(
        self, n: int, *, lead_type: str, ts: int, portal: str | None, classified_id: int | None
    ) -> LeadRow:
        """A row for a lead added at run time: its own stream, a new seeker."""
        rng = _rng(self.seed, self.client_id, "added", n)
        if lead_type == "CLASSIFIED" and classified_id is None:
            classified_id = rng.choice(list(self.listings))
        return LeadRow(
            ts,
            n,
            lead_type,
            portal or rng.choices(PORTALS, cum_weights=_cum(_PORTAL_WEIGHTS))[0],
            classified_id if lead_type == "CLASSIFIED" and classified_id else 0,
            n,
            False,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        )


# --- Cache ----------------------------------------------------------------------------------

_CACHE_SIZE = 16
_cache: dict[tuple[str, int, int, datetime], ClientData] = {}
_cache_lock = threading.Lock()
_build_locks: dict[tuple[str, int, int, datetime], threading.Lock] = {}


def client_data(client_id: str, *, seed: int, count: int, anchor: datetime = ANCHOR) -> ClientData:
    """The client's data, generated on first use and kept for the life of the process."""
    key = (client_id, seed, count, anchor)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        build_lock = _build_locks.setdefault(key, threading.Lock())
    # One thread builds; concurrent first requests for the same client wait for it.
    with build_lock:
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None:
            return cached
        built = ClientData(client_id, seed=seed, count=count, anchor=anchor)
        with _cache_lock:
            while len(_cache) >= _CACHE_SIZE:
                oldest = next(iter(_cache))
                del _cache[oldest]
                _build_locks.pop(oldest, None)
            _cache[key] = built
        return built


def filter_rows(
    rows: Iterable[LeadRow],
    *,
    classified_ids: frozenset[int] | None,
    portals: frozenset[str] | None,
) -> list[LeadRow]:
    if classified_ids is None and portals is None:
        return rows if isinstance(rows, list) else list(rows)
    return [
        row
        for row in rows
        if (classified_ids is None or row.classified_id in classified_ids)
        and (portals is None or row.portal in portals)
    ]
