"""Deterministic fake leads of the Seeker sandbox's clients, in Seeker Leads' own shapes.

Why it is built this way (as the GSL sandbox's data, but written anew: the two fake servers
share nothing, so that neither can hide a mistake of the other's client):
- Same seed and client id → same leads. Every random stream is a `random.Random` seeded from
  a blake2b hash of its inputs (never Python's salted `hash()`); ingestion dates are offsets
  from an anchor (LEADS_SANDBOX_ANCHOR, else process start rounded down to the minute), so the
  two sandboxes' data end at the same instant.
- Large volumes stay cheap: a client's leads are an index of small rows sorted by ingestion
  date (a window is two bisects); a lead's JSON is rebuilt from its own seeded stream when a
  page needs it.
- The awkward cases a client must survive: GDPR-erased contacts (the portal's way: e-mail
  kept), tracked calls without a contact request, voicemails and missed calls, a few portals
  outside France, listings with the agency's own reference and without, messages that break
  naive CSV writers and templates, seekers who come back. E-mail domains are reserved example
  domains: nothing here can reach a real mailbox.

Nothing here touches the database.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import threading
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured

from leadsportal.lib.env import env_str

# --- Vocabulary of the contract (docs/api/aviv-seeker-leads-v1.yaml) ------------------------

CATEGORIES: tuple[str, ...] = ("CLASSIFIED", "AGENCY", "PROPERTY_SEARCH", "CALL_TRACKING")
_CATEGORY_WEIGHTS = (45, 22, 18, 15)

FRENCH_PORTALS: tuple[str, ...] = (
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
OTHER_PORTALS: tuple[str, ...] = ("IMN-DEU", "IWB-BEL", "IWT-DEU", "YSQ-DEU", "IWT-AUT", "SIG-DEU")
PORTALS: tuple[str, ...] = FRENCH_PORTALS + OTHER_PORTALS
# SeLoger and Logic-Immo bring most leads; a French agency sees another country's now and then.
_PORTAL_WEIGHTS = (340, 60, 30, 30, 240, 50, 30, 50, 30, 40, 70, 20, 2, 2, 2, 1, 1, 2)

INTENTIONS: tuple[str, ...] = ("SELL", "BUY", "RENT", "MANAGE", "ASK_A_QUESTION")
_AGENCY_INTENTION_WEIGHTS = (35, 30, 15, 8, 12)
ESTATE_TYPES: tuple[str, ...] = (
    "HOUSE",
    "APARTMENT",
    "PLOT",
    "BUILDING",
    "OFFICE",
    "TRADING",
    "GASTRONOMY_HOTEL",
    "STORAGE_PRODUCTION",
    "AGRICULTURE_FORESTRY",
    "PARKING",
    "SENIOR",
    "PROJECT",
    "MISCELLANEOUS",
)
CALL_STATUSES: tuple[str, ...] = ("ANSWERED", "MISSED")
# The 34 characters of a classifiedId after its two digits.
CLASSIFIED_ALPHABET = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"

_ERASED_PER_MILLE = 20
_RETURNING_PER_MILLE = 60
_TRICKY_PER_MILLE = 45

WINDOW_DAYS = 120
TTL_YEARS = 3
# Leads added at run time number their rows from here, after the generated ones.
ADDED_BASE = 1_000_000_000


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts, identical across processes and Python versions."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _rng(*parts: object) -> random.Random:
    return random.Random(stable_int("seeker", *parts))


def _cum(weights: Sequence[int]) -> list[int]:
    return list(accumulate(weights))


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


#: Generated leads are ingested over the WINDOW_DAYS days before this instant.
ANCHOR: datetime = _read_anchor()


# --- Places and people ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    key: str
    code: str
    department: str
    places: tuple[tuple[str, str], ...]  # (postal code, city)
    sale_m2: int
    rent_m2: int


REGIONS: dict[str, Region] = {
    region.key: region
    for region in (
        Region(
            "bordeaux",
            "BDX",
            "33",
            (
                ("33000", "Bordeaux"),
                ("33300", "Bordeaux"),
                ("33700", "Mérignac"),
                ("33600", "Pessac"),
                ("33400", "Talence"),
                ("33130", "Bègles"),
                ("33110", "Le Bouscat"),
            ),
            4_700,
            15,
        ),
        Region(
            "nantes",
            "NTE",
            "44",
            (
                ("44000", "Nantes"),
                ("44100", "Nantes"),
                ("44400", "Rezé"),
                ("44800", "Saint-Herblain"),
                ("44700", "Orvault"),
                ("44300", "Nantes"),
            ),
            3_900,
            14,
        ),
        Region(
            "rennes",
            "RNS",
            "35",
            (
                ("35000", "Rennes"),
                ("35200", "Rennes"),
                ("35510", "Cesson-Sévigné"),
                ("35136", "Saint-Jacques-de-la-Lande"),
            ),
            4_100,
            14,
        ),
        Region(
            "grenoble",
            "GRE",
            "38",
            (
                ("38000", "Grenoble"),
                ("38100", "Grenoble"),
                ("38400", "Saint-Martin-d'Hères"),
                ("38130", "Échirolles"),
                ("38240", "Meylan"),
            ),
            3_100,
            13,
        ),
    )
}


def region_for(client_id: str, seed: int) -> Region:
    """The region named in the client id ("agence-nantes-demo" → Nantes), else a seeded pick."""
    lowered = client_id.lower()
    for key, region in REGIONS.items():
        if key in lowered:
            return region
    keys = sorted(REGIONS)
    return REGIONS[keys[stable_int(seed, client_id, "region") % len(keys)]]


_FIRST_NAMES = (
    ("FEMALE", "Élodie"),
    ("FEMALE", "Gwenaëlle"),
    ("FEMALE", "Maïwenn"),
    ("FEMALE", "Clémence"),
    ("FEMALE", "Hélène"),
    ("FEMALE", "Océane"),
    ("FEMALE", "Anaïs"),
    ("FEMALE", "Laëtitia"),
    ("FEMALE", "Solène"),
    ("FEMALE", "Margaux"),
    ("FEMALE", "Aïcha"),
    ("FEMALE", "Rose-Marie"),
    ("MALE", "Yannick"),
    ("MALE", "Loïc"),
    ("MALE", "Goulven"),
    ("MALE", "Mathéo"),
    ("MALE", "Jérémie"),
    ("MALE", "Aurélien"),
    ("MALE", "Étienne"),
    ("MALE", "Killian"),
    ("MALE", "Noé"),
    ("MALE", "Jean-Noël"),
    ("MALE", "Youssef"),
    ("MALE", "Hervé"),
)
_LAST_NAMES = (
    "Le Gall",
    "Kerbrat",
    "Ménard",
    "Guillou",
    "Lebreton",
    "Bézier",
    "Cazenave",
    "Dufourcq",
    "Lacoste",
    "Etcheverry",
    "Peyrou",
    "N'Guessan",
    "Tranchant",
    "Rivière",
    "Joubert",
    "Dos Santos",
    "Pérès",
    "Lemoine-Hardy",
    "Ouattara",
    "Saint-Cyr",
    "Gonçalves",
    "Bouchard",
    "Thébault",
    "Van Damme",
)
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "courriel.example")
_LANGUAGES = ("FR", "EN", "ES", "DE", "IT", "NL", "PT", "HE", "RU")
_LANGUAGE_WEIGHTS = (880, 40, 20, 15, 15, 10, 10, 5, 5)


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == "-")


def _phone(rng: random.Random, mobile: bool) -> str:
    """A French number in one of the notations people type (the API checks no format)."""
    digits = (rng.choice("67") if mobile else rng.choice("12345")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )
    national = "0" + digits
    style = rng.randrange(4)
    if style == 0:
        return "+33" + digits
    if style == 1:
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    if style == 2:
        return ".".join(national[i : i + 2] for i in range(0, 10, 2))
    return national


@dataclass(frozen=True, slots=True)
class Person:
    first_name: str
    last_name: str
    gender: str
    language: str
    email: str
    phones: tuple[dict[str, Any], ...]


def _person(rng: random.Random) -> Person:
    gender, first = rng.choice(_FIRST_NAMES)
    if rng.random() < 0.03:
        gender = rng.choice(("OTHER", "PREFER_NOT_TO_DISCLOSE"))
    last = rng.choice(_LAST_NAMES)
    local = rng.choice(
        (
            f"{_ascii_slug(first)}.{_ascii_slug(last)}",
            f"{_ascii_slug(first)[0]}{_ascii_slug(last)}",
            f"{_ascii_slug(last)}{rng.randrange(10, 99)}",
        )
    )
    phones = []
    for index in range(rng.choices((0, 1, 2), weights=(6, 74, 20))[0]):
        mobile = rng.random() < (0.85 if index == 0 else 0.3)
        phones.append(
            {
                "type": "MOBILE" if mobile else "LANDLINE",
                "number": _phone(rng, mobile),
                "verified": rng.random() < 0.4,
            }
        )
    return Person(
        first,
        last,
        gender,
        rng.choices(_LANGUAGES, weights=_LANGUAGE_WEIGHTS)[0],
        f"{local}@{rng.choice(_EMAIL_DOMAINS)}",
        tuple(phones),
    )


# --- Listings ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listing:
    classified_id: str  # the portal's: two digits, ten of CLASSIFIED_ALPHABET
    offerer_estate_id: str | None  # the agency's own reference
    offerer_marketing_key: str | None
    estate_type: str
    project_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "classifiedId": self.classified_id,
            "offererEstateId": self.offerer_estate_id,
            "offererMarketingKey": self.offerer_marketing_key,
            "estateType": [self.estate_type],
        }
        if self.project_id:
            body |= {
                "projectId": self.project_id,
                "projectOffererEstateId": f"PRG-{self.project_id[-4:]}",
                "projectOffererMarketingKey": None,
            }
        return body


def classified_id_for(rng: random.Random) -> str:
    return f"{rng.randrange(100):02d}" + "".join(rng.choice(CLASSIFIED_ALPHABET) for _ in range(10))


# --- Messages ---------------------------------------------------------------------------------

_GREETINGS = ("Bonjour,", "Bonjour", "Bonsoir,", "Madame, Monsieur,")
_CLOSINGS = ("Cordialement.", "Merci d'avance !", "Bien à vous,", "Bonne journée.")
_ASKS = {
    "CLASSIFIED": (
        "je suis intéressé(e) par votre annonce {ref}, est-elle toujours disponible ?",
        "pourrions-nous visiter le bien {ref} samedi matin ?",
        "quel est le montant de la taxe foncière pour le bien {ref} ?",
        "le bien {ref} a-t-il une place de parking ?",
    ),
    "SELL": (
        "je souhaite vendre ma maison, pouvez-vous venir l'estimer ?",
        "nous vendons l'appartement de ma mère, quelle serait sa valeur ?",
    ),
    "BUY": (
        "nous cherchons une maison avec jardin près des écoles.",
        "je cherche un premier achat, un T2 lumineux.",
    ),
    "RENT": ("je cherche une location meublée pour la rentrée.",),
    "MANAGE": ("je voudrais confier la gestion de mon studio à votre agence.",),
    "ASK_A_QUESTION": ("quels sont vos horaires d'ouverture le samedi ?",),
    "PROPERTY_SEARCH": (
        "merci de me prévenir dès qu'un bien correspond.",
        "budget ferme, financement accordé.",
    ),
}
_TRICKY_MESSAGES = (
    '=HYPERLINK("https://phishing.sandbox.example";"Photos")',
    "+33 6 12 34 56 78 : rappelez-moi après 18h",
    "-200 € et je signe ; possible ?",
    'Bonjour ;\nUn "T3" ; budget 280 000 €.\nMerci',
    "<b>Bonjour</b> <script>alert('xss')</script> & merci",
    "Ligne 1\r\nLigne 2 ; fin",
    "Très bien 👍🏡 « guillemets » et ’apostrophes’",
)


# --- Index ------------------------------------------------------------------------------------


class LeadRow(NamedTuple):
    """What a query needs to know about a lead; the rest is rebuilt from its seeded stream."""

    ts: int  # ingestion date, Unix seconds
    n: int  # generation number: seeds the lead's details, and breaks ties between equal dates
    category: str
    intention: str | None
    portal: str
    classified_id: str  # "" when the lead is about no listing
    contact_key: int  # leads of a returning seeker share it
    erased: bool
    lead_id: str


# Leads arrive mostly in daytime (French local time, approximated as UTC+1).
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


def _plus_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


class ClientData:
    """All generated leads of one sandbox client, sorted by ingestion date."""

    def __init__(self, client_id: str, *, seed: int, count: int, anchor: datetime) -> None:
        self.client_id = client_id
        self.seed = seed
        self.anchor = anchor
        self.region = region_for(client_id, seed)
        self.listings = self._make_catalogue()
        rows = self._make_rows(count)
        rows.sort()
        self.rows: list[LeadRow] = rows
        self.timestamps: list[int] = [row.ts for row in rows]
        self.by_id: dict[str, LeadRow] = {row.lead_id: row for row in rows}

    def _make_catalogue(self) -> dict[str, Listing]:
        rng = _rng(self.seed, self.client_id, "catalogue")
        listings: dict[str, Listing] = {}
        size = rng.randint(40, 70)
        numbers = rng.sample(range(1, 10_000), size)
        for number in numbers:
            classified_id = classified_id_for(rng)
            while classified_id in listings:
                classified_id = classified_id_for(rng)
            # Most listings carry the agency's reference; some were published without one.
            own = rng.random() < 0.9
            estate = rng.choices(ESTATE_TYPES, weights=(25, 55, 3, 1, 4, 3, 1, 1, 0, 5, 1, 1, 0))[0]
            project = f"P{rng.randrange(10**7, 10**8)}" if rng.random() < 0.08 else None
            listings[classified_id] = Listing(
                classified_id=classified_id,
                offerer_estate_id=f"{self.region.code}-{self.anchor.year}-{number:04d}"
                if own
                else None,
                offerer_marketing_key=f"{number:04d}" if own and rng.random() < 0.7 else None,
                estate_type=estate,
                project_id=project,
            )
        return listings

    def _make_rows(self, count: int) -> list[LeadRow]:
        rng = _rng(self.seed, self.client_id, "index")
        anchor_ts = int(self.anchor.timestamp())
        oldest_ts = anchor_ts - WINDOW_DAYS * 86_400
        anchor_day = anchor_ts - anchor_ts % 86_400
        listing_ids = list(self.listings)
        popularity = [min(rng.paretovariate(1.3), 25.0) for _ in listing_ids]
        categories = rng.choices(CATEGORIES, cum_weights=_cum(_CATEGORY_WEIGHTS), k=count)
        portals = rng.choices(PORTALS, cum_weights=_cum(_PORTAL_WEIGHTS), k=count)
        hours = rng.choices(_UTC_HOURS, cum_weights=_cum(_HOUR_WEIGHTS), k=count)
        picks = rng.choices(listing_ids, weights=popularity, k=count)
        known: list[int] = []
        rows: list[LeadRow] = []
        for n in range(count):
            ts = -1
            while not oldest_ts <= ts < anchor_ts:
                day = anchor_day - rng.randrange(WINDOW_DAYS + 1) * 86_400
                ts = day + hours[n] * 3600 + rng.randrange(3600)
            draw = rng.randrange(1000)
            erased = draw < _ERASED_PER_MILLE
            if not erased and draw < _ERASED_PER_MILLE + _RETURNING_PER_MILLE and known:
                contact_key = known[rng.randrange(len(known))]
            else:
                contact_key = n
                if not erased:
                    known.append(n)
            category = categories[n]
            intention = self._intention(rng, category)
            on_listing = category == "CLASSIFIED" or (
                category == "CALL_TRACKING" and rng.random() < 0.8
            )
            rows.append(
                LeadRow(
                    ts,
                    n,
                    category,
                    intention,
                    portals[n],
                    picks[n] if on_listing else "",
                    contact_key,
                    erased,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                )
            )
        return rows

    @staticmethod
    def _intention(rng: random.Random, category: str) -> str | None:
        if category == "AGENCY":
            return rng.choices(INTENTIONS, weights=_AGENCY_INTENTION_WEIGHTS)[0]
        if category == "PROPERTY_SEARCH":
            return "BUY" if rng.random() < 0.75 else "RENT"
        if category == "CLASSIFIED":
            return rng.choice(("BUY", "RENT", None))
        return None

    # Queries ----------------------------------------------------------------------------------

    def window(self, min_ts: int, max_ts: int) -> list[LeadRow]:
        """Leads ingested in [min_ts, max_ts] (both inclusive), oldest first."""
        lo = bisect.bisect_left(self.timestamps, min_ts)
        hi = bisect.bisect_right(self.timestamps, max_ts)
        return self.rows[lo:hi]

    def new_row(
        self,
        n: int,
        *,
        category: str,
        ts: int,
        portal: str | None,
        classified_id: str | None,
        intention: str | None,
        erased: bool,
    ) -> LeadRow:
        """A row for a lead added at run time: its own stream, a new seeker."""
        rng = _rng(self.seed, self.client_id, "added", n)
        if category in ("CLASSIFIED", "CALL_TRACKING") and classified_id is None:
            classified_id = rng.choice(list(self.listings))
        return LeadRow(
            ts,
            n,
            category,
            intention if intention is not None else self._intention(rng, category),
            portal or rng.choices(PORTALS, cum_weights=_cum(_PORTAL_WEIGHTS))[0],
            classified_id or "",
            n,
            erased,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        )

    # Rendering --------------------------------------------------------------------------------

    def listing(self, classified_id: str) -> Listing:
        """A listing of the catalogue, or one outside it (a lead added about any classifiedId)."""
        known = self.listings.get(classified_id)
        if known is not None:
            return known
        return Listing(classified_id, None, None, "MISCELLANEOUS")

    def render(self, row: LeadRow) -> dict[str, Any]:
        """The contract's Lead object for one row."""
        rng = _rng(self.seed, self.client_id, "lead", row.n)
        ingested = datetime.fromtimestamp(row.ts, UTC)
        metadata: dict[str, Any] = {
            "leadId": row.lead_id,
            "ingestionDate": row.ts,
            "portal": row.portal,
            "TTL": int(_plus_years(ingested, TTL_YEARS).timestamp()),
            "leadCategory": row.category,
            "seekerIntention": row.intention,
        }
        lead: dict[str, Any] = {"metadata": metadata}
        listing = self.listing(row.classified_id) if row.classified_id else None
        if row.category == "CALL_TRACKING":
            lead |= self._call(rng, row, listing)
        else:
            lead["contactRequest"] = self._contact(rng, row, listing)
            if listing is not None:
                lead["property"] = listing.to_json()
            elif row.category == "PROPERTY_SEARCH" or (
                row.category == "AGENCY" and row.intention in ("SELL", "BUY", "RENT")
            ):
                lead["property"] = self._criteria(rng, row.intention)
        lead["distributionType"] = self._distribution(row)
        return lead

    def _contact(self, rng: random.Random, row: LeadRow, listing: Listing | None) -> dict[str, Any]:
        person = _person(_rng(self.seed, self.client_id, "contact", row.contact_key))
        if row.erased:
            # The portal's erasure: these become null, phones empty; the e-mail stays.
            return {
                "firstName": None,
                "lastName": None,
                "email": person.email,
                "phoneNumbers": [],
                "gender": None,
                "language": None,
                "message": None,
                "isOwner": None,
            }
        return {
            "firstName": person.first_name,
            "lastName": person.last_name,
            "email": person.email,
            "phoneNumbers": [dict(phone) for phone in person.phones],
            "gender": person.gender,
            "language": person.language,
            "message": self._message(rng, row, listing),
            "isOwner": True if row.intention == "SELL" else rng.choice((True, False, None)),
        }

    def _message(self, rng: random.Random, row: LeadRow, listing: Listing | None) -> str | None:
        draw = rng.randrange(1000)
        if draw < _TRICKY_PER_MILLE:
            return rng.choice(_TRICKY_MESSAGES)
        if draw < _TRICKY_PER_MILLE + 40:
            return None
        key = row.category if row.category in _ASKS else (row.intention or "ASK_A_QUESTION")
        if row.category == "AGENCY":
            key = row.intention or "ASK_A_QUESTION"
        reference = (listing.offerer_estate_id or listing.classified_id) if listing else ""
        ask = rng.choice(_ASKS[key]).format(ref=reference)
        return f"{rng.choice(_GREETINGS)} {ask} {rng.choice(_CLOSINGS)}"

    def _call(self, rng: random.Random, row: LeadRow, listing: Listing | None) -> dict[str, Any]:
        person = _person(_rng(self.seed, self.client_id, "contact", row.contact_key))
        answered = rng.random() < 0.7
        voicemail = not answered and rng.random() < 0.5
        number = (
            None
            if row.erased
            else (person.phones[0]["number"] if person.phones else _phone(rng, True))
        )
        body: dict[str, Any] = {
            "callDetails": {
                "seekerPhoneNumber": number,
                "isVoiceMail": voicemail,
                "duration": rng.randrange(20, 900)
                if answered
                else (rng.randrange(5, 60) if voicemail else 0),
                "status": "ANSWERED" if answered else "MISSED",
            }
        }
        # A tracked call carries no contact request, or an empty one.
        if rng.random() < 0.5:
            body["contactRequest"] = None
        if listing is not None:
            body["property"] = listing.to_json()
        return body

    def _criteria(self, rng: random.Random, intention: str | None) -> dict[str, Any]:
        renting = intention == "RENT"
        if intention == "SELL":  # an owner describes one property
            estate = [rng.choice(("APARTMENT", "HOUSE", "HOUSE", "PLOT"))]
        else:
            estate = rng.choice((["APARTMENT"], ["HOUSE"], ["APARTMENT", "HOUSE"], ["PLOT"]))
        rooms_min = rng.randint(1, 4)
        space_min = float(rng.randrange(20, 110, 5))
        unit = self.region.rent_m2 if renting else self.region.sale_m2
        top = int(round(space_min * unit * rng.uniform(1.1, 1.6), -1 if renting else -3))
        several = 1 if intention == "SELL" else rng.randint(1, 3)
        places = rng.sample(self.region.places, k=min(len(self.region.places), several))
        return {
            "estateType": estate,
            "rooms": {
                "numberOfRoomsMin": rooms_min,
                "numberOfRoomsMax": rooms_min + rng.randint(0, 2) if rng.random() < 0.7 else None,
            },
            "spaces": {
                "spaceMin": space_min,
                "spaceMax": space_min + rng.randrange(10, 60, 5) if rng.random() < 0.5 else None,
            },
            "budget": {
                "amountMin": int(top * 0.6) if rng.random() < 0.4 else None,
                "amountMax": top if rng.random() < 0.9 else None,
            },
            "geo": {
                "city": places[0][1],
                "postalCodes": sorted({postal for postal, _ in places}),
                "departments": [self.region.department],
            },
        }

    @staticmethod
    def _distribution(row: LeadRow) -> list[str]:
        return {
            "SELL": ["SELLER"],
            "BUY": ["BUYER"],
            "RENT": ["TENANT"],
            "MANAGE": ["LANDLORD"],
        }.get(row.intention or "", [])


# --- Cache ------------------------------------------------------------------------------------

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
    with build_lock:  # one thread builds; concurrent first requests wait for it
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
