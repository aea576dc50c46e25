"""What an exported row holds: the columns of each lead family, as typed values.

The columns are those of the family's table in the dashboard (dashboard/tables.py), plus what a
person working the leads elsewhere needs: the lead id, its type, the message and every phone
number. Ranges the table shows as "300 000 € – 350 000 €" become two numeric columns (min, max)
so that a spreadsheet can sort and filter them.

Phones: the first number has its own column ("Téléphone", the one the table shows) so that a
CRM import or a click-to-dial gets one clean number; any other numbers are joined with " / " in
"Autres téléphones". Numbered columns would need the largest number of phones before the first
row is written, which a streaming export cannot know.

A GDPR-erased contact is written as erased, never as blanks that look like missing data: the
name column says "Données effacées (RGPD)", the contact columns say "effacé (RGPD)" and the
column "Contact effacé (RGPD)" says "oui". An empty cell always means "the API gave nothing".

The agency's follow-up comes last before the message: status (the agency's name of the
lead's pipeline stage; a lead nobody touched is at the first, "Nouveau", as the status filter
counts it), assignee, the number of notes (never their text:
agents write personal data in them) and the first response time in whole minutes, an integer
a spreadsheet sorts — the statistics' definition: from the lead's creation to the first change
of its status (`LeadFollowup.response_seconds`); empty while the lead waits for it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadsportal.dashboard import labels
from leadsportal.followup.models import FollowupStatus
from leadsportal.followup.pipeline import default_stage_name, stage_names
from leadsportal.leads_api import PORTALS, Lead, LeadFamily, LeadType
from leadsportal.lib.phones import phone_display


class Kind(enum.Enum):
    TEXT = "text"
    PHONE = "phone"  # text that must stay text (never a number, never a formula)
    DATETIME = "datetime"
    NUMBER = "number"  # euros, square metres: may have decimals
    INTEGER = "integer"  # ids, room counts


Value = str | int | float | datetime | None
StrOrPromise = str | Promise

if TYPE_CHECKING:
    from leadsportal.agencies.models import Agency


@dataclass(frozen=True)
class Followup:
    """What the export writes of a lead's follow-up (exports/followups.py reads it, one query
    per page): no note text, only how many there are."""

    status: str  # a FollowupStatus value
    assignee: str  # the colleague's name as the dashboard shows it, "" for nobody
    notes: int
    response_seconds: int | None  # creation → first status change; None: not answered yet


NO_FOLLOWUP = Followup(status=FollowupStatus.NEW, assignee="", notes=0, response_seconds=None)


@dataclass(frozen=True)
class Texts:
    """Every translated word a row can hold, resolved once per export in the request's
    language: looking a translation up for each of 50,000 rows would cost seconds."""

    erased_name: str
    erased_field: str
    yes: str
    no: str
    estimation: str
    search: str
    lead_types: dict[LeadType, str]
    portals: dict[str, str]
    intentions: dict[str, str]
    timeframes: dict[str, str]
    statuses: dict[str, str]
    call_statuses: dict[str, str] = field(default_factory=dict)

    @classmethod
    def current(cls, *, agency: Agency) -> Texts:
        """In the active language; the follow-up's stages as the agency names them."""
        return cls(
            erased_name=str(_("Données effacées (RGPD)")),
            erased_field=str(_("effacé (RGPD)")),
            yes=str(_("oui")),
            no=str(_("non")),
            estimation=str(_("Estimation")),
            search=str(_("Recherche")),
            lead_types={code: str(text) for code, text in labels.LEAD_TYPES.items()},
            portals={code: labels.portal_label(code) for code in PORTALS},
            intentions={code: str(text) for code, text in labels.INTENTIONS.items()},
            timeframes={code: str(text) for code, text in labels.SALE_TIMEFRAMES.items()},
            statuses=stage_names(agency),
            call_statuses={code: str(text) for code, text in labels.CALL_STATUSES.items()},
        )


Getter = Callable[[Lead, Followup, Texts], Value]


@dataclass(frozen=True)
class Column:
    header: StrOrPromise  # resolved in the language of the request, see `headers`
    kind: Kind
    value: Getter
    width: int = 18  # characters, for the XLSX column

    def __str__(self) -> str:
        return str(self.header)


def _code(mapping: dict[str, str], code: str | None) -> str | None:
    """A code's label; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return None
    return mapping.get(code, code) or None


def _date(lead: Lead, f: Followup, t: Texts) -> Value:
    return lead.meta.creation_date


def _lead_id(lead: Lead, f: Followup, t: Texts) -> Value:
    return lead.lead_id


def _type(lead: Lead, f: Followup, t: Texts) -> Value:
    return t.lead_types.get(lead.lead_type, lead.lead_type.value)


def _contact(lead: Lead, f: Followup, t: Texts) -> Value:
    return t.erased_name if lead.contact.is_erased else lead.contact.full_name


def _erased_flag(lead: Lead, f: Followup, t: Texts) -> Value:
    return t.yes if lead.contact.is_erased else t.no


def _first_phone(lead: Lead, f: Followup, t: Texts) -> Value:
    if lead.contact.is_erased:
        return t.erased_field
    phones = lead.contact.phone_numbers
    return phone_display(phones[0].number) if phones else None


def _other_phones(lead: Lead, f: Followup, t: Texts) -> Value:
    if lead.contact.is_erased:
        return t.erased_field
    return (
        " / ".join(phone_display(phone.number) for phone in lead.contact.phone_numbers[1:]) or None
    )


def _email(lead: Lead, f: Followup, t: Texts) -> Value:
    return t.erased_field if lead.contact.is_erased else lead.contact.email


def _portal(lead: Lead, f: Followup, t: Texts) -> Value:
    return _code(t.portals, lead.meta.portal)


def _message(lead: Lead, f: Followup, t: Texts) -> Value:
    return t.erased_field if lead.contact.is_erased else lead.contact.message


def _subject(lead: Lead, f: Followup, t: Texts) -> Value:
    """The "Objet" of the all-leads table: listing, estimation, search or request."""
    if lead.classified is not None:
        return lead.classified.reference or f"n° {lead.classified.number_label}"
    if lead.estimation is not None:
        return lead.estimation.city or t.estimation
    if lead.property_search is not None:
        return lead.property_search.city or t.search
    return _code(t.intentions, lead.meta.intention)


def _intention(lead: Lead, f: Followup, t: Texts) -> Value:
    return _code(t.intentions, lead.meta.intention)


def _listing(attribute: str) -> Getter:
    return lambda lead, f, t: getattr(lead.classified, attribute) if lead.classified else None


def _listing_number(lead: Lead, f: Followup, t: Texts) -> Value:
    """The listing's number as its portal writes it: GSL's integer, Seeker's 12 characters."""
    if lead.classified is None:
        return None
    return lead.classified.portal_id or lead.classified.classified_id


def _call(attribute: str) -> Getter:
    return lambda lead, f, t: getattr(lead.call_details, attribute) if lead.call_details else None


def _voicemail(lead: Lead, f: Followup, t: Texts) -> Value:
    details = lead.call_details
    if details is None or details.is_voicemail is None:
        return None
    return t.yes if details.is_voicemail else t.no


def _call_status(lead: Lead, f: Followup, t: Texts) -> Value:
    details = lead.call_details
    return _code(t.call_statuses, details.status) if details else None


def _estimation(attribute: str) -> Getter:
    return lambda lead, f, t: getattr(lead.estimation, attribute) if lead.estimation else None


def _search(attribute: str) -> Getter:
    return lambda lead, f, t: (
        getattr(lead.property_search, attribute) if lead.property_search else None
    )


def _timeframe(lead: Lead, f: Followup, t: Texts) -> Value:
    if lead.estimation is None:
        return None
    return _code(t.timeframes, lead.estimation.sale_timeframe)


def _postal_codes(lead: Lead, f: Followup, t: Texts) -> Value:
    if lead.property_search is None:
        return None
    return ", ".join(lead.property_search.postal_codes) or None


def _status(lead: Lead, f: Followup, t: Texts) -> Value:
    # A stage the agency deleted since keeps its default name (or its code).
    return t.statuses.get(f.status) or default_stage_name(f.status)


def _assignee(lead: Lead, f: Followup, t: Texts) -> Value:
    return f.assignee or None


def _notes(lead: Lead, f: Followup, t: Texts) -> Value:
    return f.notes


def _response_minutes(lead: Lead, f: Followup, t: Texts) -> Value:
    # Rounded as the dashboard shows a response time ("3 min"), see badges.duration_label.
    return None if f.response_seconds is None else round(f.response_seconds / 60)


COMMON_HEAD: tuple[Column, ...] = (
    Column(_("Date"), Kind.DATETIME, _date, 17),
    Column(_("Identifiant du lead"), Kind.TEXT, _lead_id, 38),
    Column(_("Type"), Kind.TEXT, _type, 11),
    Column(_("Contact"), Kind.TEXT, _contact, 26),
    Column(_("Contact effacé (RGPD)"), Kind.TEXT, _erased_flag, 12),
    Column(_("Téléphone"), Kind.PHONE, _first_phone, 19),
    Column(_("Autres téléphones"), Kind.PHONE, _other_phones, 22),
    Column(_("E-mail"), Kind.TEXT, _email, 32),
    Column(_("Portail"), Kind.TEXT, _portal, 16),
)
FOLLOWUP_COLUMNS: tuple[Column, ...] = (
    Column(_("Statut du suivi"), Kind.TEXT, _status, 12),
    Column(pgettext_lazy("assignee", "Responsable"), Kind.TEXT, _assignee, 22),
    Column(_("Nombre de notes"), Kind.INTEGER, _notes, 10),
    Column(_("Délai de première réponse (min)"), Kind.INTEGER, _response_minutes, 14),
)
MESSAGE = Column(_("Message"), Kind.TEXT, _message, 60)
FAMILY_COLUMNS: dict[LeadFamily, tuple[Column, ...]] = {
    LeadFamily.ALL: (Column(_("Objet"), Kind.TEXT, _subject, 22),),
    LeadFamily.CLASSIFIED: (
        Column(_("Annonce"), Kind.TEXT, _listing("reference")),
        Column(_("N° d'annonce"), Kind.INTEGER, _listing_number, 12),
        Column(_("Prix (€)"), Kind.NUMBER, _listing("price"), 12),
        Column(_("Ville"), Kind.TEXT, _listing("city")),
    ),
    LeadFamily.AGENCY: (Column(_("Demande"), Kind.TEXT, _intention),),
    LeadFamily.SELLER: (
        Column(_("Prix estimé min (€)"), Kind.NUMBER, _estimation("estimated_price_min"), 14),
        Column(_("Prix estimé max (€)"), Kind.NUMBER, _estimation("estimated_price_max"), 14),
        Column(_("Délai de vente"), Kind.TEXT, _timeframe),
        Column(_("Ville"), Kind.TEXT, _estimation("city")),
    ),
    LeadFamily.PROPERTY_SEARCH: (
        Column(_("Budget min (€)"), Kind.NUMBER, _search("budget_min"), 12),
        Column(_("Budget max (€)"), Kind.NUMBER, _search("budget_max"), 12),
        Column(_("Pièces min"), Kind.INTEGER, _search("rooms_min"), 8),
        Column(_("Pièces max"), Kind.INTEGER, _search("rooms_max"), 8),
        Column(_("Surface min (m²)"), Kind.NUMBER, _search("living_area_min"), 10),
        Column(_("Surface max (m²)"), Kind.NUMBER, _search("living_area_max"), 10),
        Column(_("Ville"), Kind.TEXT, _search("city")),
        Column(_("Codes postaux"), Kind.TEXT, _postal_codes),
    ),
    LeadFamily.CALL_TRACKING: (
        Column(_("Annonce"), Kind.TEXT, _listing("reference")),
        Column(_("N° d'annonce"), Kind.INTEGER, _listing_number, 14),
        Column(_("Durée de l'appel (s)"), Kind.INTEGER, _call("duration_seconds"), 12),
        Column(_("Messagerie"), Kind.TEXT, _voicemail, 11),
        Column(_("Statut de l'appel"), Kind.TEXT, _call_status, 14),
    ),
}


def columns_for(family: LeadFamily) -> tuple[Column, ...]:
    """The columns of an export of this family (the per-listing list uses CLASSIFIED)."""
    return (*COMMON_HEAD, *FAMILY_COLUMNS[family], *FOLLOWUP_COLUMNS, MESSAGE)


def headers(columns: tuple[Column, ...]) -> list[str]:
    return [str(column.header) for column in columns]


def row_values(
    columns: tuple[Column, ...], lead: Lead, followup: Followup, texts: Texts
) -> list[Value]:
    return [column.value(lead, followup, texts) for column in columns]
