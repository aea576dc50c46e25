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
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from leadsportal.dashboard import labels
from leadsportal.leads_api import Lead, LeadFamily


class Kind(enum.Enum):
    TEXT = "text"
    PHONE = "phone"  # text that must stay text (never a number, never a formula)
    DATETIME = "datetime"
    NUMBER = "number"  # euros, square metres: may have decimals
    INTEGER = "integer"  # ids, room counts


Value = str | int | float | datetime | None
StrOrPromise = str | Promise


@dataclass(frozen=True)
class Column:
    header: StrOrPromise  # resolved in the language of the request, see `headers`
    kind: Kind
    value: Callable[[Lead], Value]
    width: int = 18  # characters, for the XLSX column

    def __str__(self) -> str:
        return str(self.header)


def erased_name() -> str:
    return str(_("Données effacées (RGPD)"))


def erased_field() -> str:
    return str(_("effacé (RGPD)"))


def _contact(lead: Lead) -> str:
    if lead.contact.is_erased:
        return erased_name()
    return lead.contact.full_name


def _erased_flag(lead: Lead) -> str:
    return str(_("oui")) if lead.contact.is_erased else str(_("non"))


def _first_phone(lead: Lead) -> str | None:
    if lead.contact.is_erased:
        return erased_field()
    phones = lead.contact.phone_numbers
    return phones[0].number if phones else None


def _other_phones(lead: Lead) -> str | None:
    if lead.contact.is_erased:
        return erased_field()
    others = [phone.number for phone in lead.contact.phone_numbers[1:]]
    return " / ".join(others) if others else None


def _email(lead: Lead) -> str | None:
    return erased_field() if lead.contact.is_erased else lead.contact.email


def _message(lead: Lead) -> str | None:
    return erased_field() if lead.contact.is_erased else lead.contact.message


def _subject(lead: Lead) -> str | None:
    """The "Objet" of the all-leads table: listing, estimation, search or request."""
    if lead.classified is not None:
        return lead.classified.reference or f"n° {lead.classified.classified_id}"
    if lead.estimation is not None:
        return lead.estimation.city or str(_("Estimation"))
    if lead.property_search is not None:
        return lead.property_search.city or str(_("Recherche"))
    return labels.label(labels.INTENTIONS, lead.meta.intention) or None


def _intention(lead: Lead) -> str | None:
    return labels.label(labels.INTENTIONS, lead.meta.intention) or None


def _timeframe(lead: Lead) -> str | None:
    if lead.estimation is None:
        return None
    return labels.label(labels.SALE_TIMEFRAMES, lead.estimation.sale_timeframe) or None


def _postal_codes(lead: Lead) -> str | None:
    if lead.property_search is None:
        return None
    return ", ".join(lead.property_search.postal_codes) or None


COMMON_HEAD: tuple[Column, ...] = (
    Column(_("Date"), Kind.DATETIME, lambda lead: lead.meta.creation_date, 17),
    Column(_("Identifiant du lead"), Kind.TEXT, lambda lead: lead.lead_id, 38),
    Column(_("Type"), Kind.TEXT, lambda lead: str(labels.LEAD_TYPES[lead.lead_type]), 11),
    Column(_("Contact"), Kind.TEXT, _contact, 26),
    Column(_("Contact effacé (RGPD)"), Kind.TEXT, _erased_flag, 12),
    Column(_("Téléphone"), Kind.PHONE, _first_phone, 19),
    Column(_("Autres téléphones"), Kind.PHONE, _other_phones, 22),
    Column(_("E-mail"), Kind.TEXT, _email, 32),
    Column(_("Portail"), Kind.TEXT, lambda lead: labels.portal_label(lead.meta.portal), 16),
)
MESSAGE = Column(_("Message"), Kind.TEXT, _message, 60)


def _classified_columns() -> tuple[Column, ...]:
    return (
        Column(
            _("Annonce"),
            Kind.TEXT,
            lambda lead: lead.classified.reference if lead.classified else None,
        ),
        Column(
            _("N° d'annonce"),
            Kind.INTEGER,
            lambda lead: lead.classified.classified_id if lead.classified else None,
            12,
        ),
        Column(
            _("Prix (€)"),
            Kind.NUMBER,
            lambda lead: lead.classified.price if lead.classified else None,
            12,
        ),
        Column(
            _("Ville"),
            Kind.TEXT,
            lambda lead: lead.classified.city if lead.classified else None,
        ),
    )


def _seller_columns() -> tuple[Column, ...]:
    def estimation(attribute: str) -> Callable[[Lead], Value]:
        return lambda lead: getattr(lead.estimation, attribute) if lead.estimation else None

    return (
        Column(_("Prix estimé min (€)"), Kind.NUMBER, estimation("estimated_price_min"), 14),
        Column(_("Prix estimé max (€)"), Kind.NUMBER, estimation("estimated_price_max"), 14),
        Column(_("Délai de vente"), Kind.TEXT, _timeframe),
        Column(_("Ville"), Kind.TEXT, estimation("city")),
    )


def _search_columns() -> tuple[Column, ...]:
    def search(attribute: str) -> Callable[[Lead], Value]:
        return lambda lead: (
            getattr(lead.property_search, attribute) if lead.property_search else None
        )

    return (
        Column(_("Budget min (€)"), Kind.NUMBER, search("budget_min"), 12),
        Column(_("Budget max (€)"), Kind.NUMBER, search("budget_max"), 12),
        Column(_("Pièces min"), Kind.INTEGER, search("rooms_min"), 8),
        Column(_("Pièces max"), Kind.INTEGER, search("rooms_max"), 8),
        Column(_("Surface min (m²)"), Kind.NUMBER, search("living_area_min"), 10),
        Column(_("Surface max (m²)"), Kind.NUMBER, search("living_area_max"), 10),
        Column(_("Ville"), Kind.TEXT, search("city")),
        Column(_("Codes postaux"), Kind.TEXT, _postal_codes),
    )


def columns_for(family: LeadFamily) -> tuple[Column, ...]:
    """The columns of an export of this family (the per-listing list uses CLASSIFIED)."""
    if family is LeadFamily.CLASSIFIED:
        middle = _classified_columns()
    elif family is LeadFamily.AGENCY:
        middle = (Column(_("Demande"), Kind.TEXT, _intention),)
    elif family is LeadFamily.SELLER:
        middle = _seller_columns()
    elif family is LeadFamily.PROPERTY_SEARCH:
        middle = _search_columns()
    else:
        middle = (Column(_("Objet"), Kind.TEXT, _subject, 22),)
    return (*COMMON_HEAD, *middle, MESSAGE)


def headers(columns: tuple[Column, ...]) -> list[str]:
    return [str(column.header) for column in columns]


def row_values(columns: tuple[Column, ...], lead: Lead) -> list[Value]:
    return [column.value(lead) for column in columns]
