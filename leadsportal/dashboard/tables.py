"""The lead tables, one per family: the columns a person needs to work that kind of lead.

django-tables2 defines the columns of ONE page that the API already paginated and sorted (newest
first); nothing here sorts or slices, because sorting the visible page alone would mislead.
"""

from __future__ import annotations

import html
from functools import cached_property
from typing import Any
from urllib.parse import quote, urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from leadsportal.dashboard import labels
from leadsportal.dashboard.badges import followup_badges, followup_cell
from leadsportal.dashboard.formatting import (
    bounds,
    call_duration,
    erased_marker,
    paris_datetime,
    price,
    surface,
    yes_no,
)
from leadsportal.dashboard.marks import PageMarks
from leadsportal.dashboard.pages import BACK_PARAMETER
from leadsportal.leads_api import PORTALS, Lead, LeadFamily
from leadsportal.lib.phones import phone_dial, phone_display


def esc(value: object) -> str:
    """HTML-escape a value once (the stdlib's escape, which Django's wraps in a lazy check)."""
    return html.escape(str(value))


class Texts:
    """The translated words a table writes on every row, looked up once per table: lazy
    translations cost a catalogue lookup each time they are read."""

    def __init__(self) -> None:
        self.no_name = esc(gettext("(sans nom)"))
        self.erased = str(erased_marker())
        self.erased_short = str(erased_marker(short=True))
        self.portals = {code: esc(label) for code, label in PORTALS.items()}
        self.lead_types = {code: esc(label) for code, label in labels.LEAD_TYPES.items()}
        self.intentions = {code: esc(label) for code, label in labels.INTENTIONS.items()}
        self.timeframes = {code: esc(label) for code, label in labels.SALE_TIMEFRAMES.items()}
        self.estimation = esc(gettext("Estimation"))
        self.search = esc(gettext("Recherche"))
        self.select_label = gettext("Sélectionner : %(lead)s")
        self.erased_plain = gettext("Données effacées (RGPD)")
        self.no_name_plain = gettext("(sans nom)")
        # Said before the number to screen readers: on a phone's card the link is a button.
        self.call = esc(gettext("Appeler"))


# On a phone each row is a card (static/css/dashboard.css): these columns' values are
# introduced there by the column's name; the others speak for themselves (a name, a date, a
# city, a portal, a listing's reference).
CARD_LABELLED = frozenset(
    {"price", "estimated_price", "timeframe", "budget", "rooms", "area", "intention", "followup"}
    | {"duration", "voicemail", "call_status"}
)


def _cell_attrs(column: Any, kind: str) -> str:
    """A cell's attributes: its column's class (widths, the phone's card) before its own.

    The roles are the elements' own: on a phone the table shows as cards (CSS display), which
    makes some browsers forget that it is a table unless the roles say so."""
    attrs = dict(column.attrs[kind])
    classes = " ".join(filter(None, (f"col-{column.name}", attrs.pop("class", ""))))
    parts = [f'class="{esc(classes)}"', 'role="cell"' if kind == "td" else 'role="columnheader"']
    if kind == "td" and column.name in CARD_LABELLED:
        parts.append(f'data-label="{esc(column.header)}"')
    parts.extend(f'{esc(name)}="{esc(value)}"' for name, value in attrs.items())
    return " ".join(parts)


def amount(text: str) -> str:
    """An amount or a range, escaped, that wraps between its bounds but never inside one
    ("250 000 € –" / "300 000 €", not "250 000" / "€")."""
    return esc(text).replace(" €", "\u00a0€").replace(" m²", "\u00a0m²")


def _label(mapping: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return mapping.get(code) or esc(code)


class LeadTable(tables.Table):
    """Each `render_<column>(record)` returns the cell's HTML, every value escaped once."""

    # A checkbox per row for the bulk actions (dashboard/_bulk_bar.html), on lists that have them.
    select = tables.Column(verbose_name=_("Sélection"), empty_values=())
    date = tables.Column(verbose_name=_("Date"), empty_values=())
    contact = tables.Column(verbose_name=_("Contact"), empty_values=())
    phone = tables.Column(verbose_name=_("Téléphone"), empty_values=())
    email = tables.Column(verbose_name=_("E-mail"), empty_values=())
    portal = tables.Column(verbose_name=_("Portail"), empty_values=())
    followup = tables.Column(verbose_name=_("Suivi"), empty_values=())

    class Meta:
        orderable = False
        template_name = "dashboard/table.html"
        attrs = {"class": "table leads-table"}
        sequence = ("select", "date", "contact", "phone", "email", "...", "portal", "followup")

    def __init__(
        self,
        data: Any,
        *,
        back_url: str = "",
        marks: PageMarks | None = None,
        selectable: bool = False,
        **kwargs: Any,
    ) -> None:
        self.back_url = back_url
        if not selectable:
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "select")
        # New / "déjà connu" / follow-up of each row, computed for the whole page beforehand.
        self.marks = marks or PageMarks()
        # Subclasses do not inherit Meta; these hold for every family's table.
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("template_name", "dashboard/table.html")
        kwargs.setdefault("attrs", {"class": "table leads-table"})
        # The family's own columns sit between the contact's and the portal.
        kwargs.setdefault("sequence", self.Meta.sequence)
        super().__init__(data, **kwargs)
        self.leads: list[Lead] = list(data)

    @cached_property
    def texts(self) -> Texts:
        return Texts()

    def header_html(self) -> SafeString:
        """The header cells, written once (django-tables2's bound columns rebuild their
        attributes at each lookup)."""
        cells = [
            f'<th scope="col" {_cell_attrs(column, "th")}>{self._header(column)}</th>'
            for column in self.columns
        ]
        return mark_safe("".join(cells))  # noqa: S308 - headers are escaped above

    def _header(self, column: Any) -> str:
        header = str(conditional_escape(column.header))
        if column.name != "select":
            return header
        # "All on this page": a script's shortcut (static/js/app.js shows it); without it the
        # bulk bar's "Toute la page" does the same.
        label = esc(gettext("Sélectionner tous les leads de la page"))
        return (
            f'<span class="visually-hidden">{header}</span>'
            f'<input type="checkbox" class="page-select" data-select-page hidden'
            f' aria-label="{label}">'
        )

    def body_html(self) -> SafeString:
        """The rows of the page, each cell from its column's render_<name>(record).

        django-tables2 defines the columns and renders the header; the body is written here in
        one pass, without its per-cell machinery (why, measured: docs/BENCHMARKS.md).
        """
        cells = [
            (getattr(self, f"render_{column.name}"), f"<td {_cell_attrs(column, 'td')}>")
            for column in self.columns
        ]
        rows = []
        for lead in self.leads:
            unread = ' class="is-unread"' if lead.lead_id in self.marks.unread else ""
            tds = "".join(f"{td}{render(lead)}</td>" for render, td in cells)
            rows.append(f'<tr{unread} role="row" data-lead-id="{esc(lead.lead_id)}">{tds}</tr>')
        return mark_safe("\n".join(rows))  # noqa: S308 - every render_<name> escapes its values

    @cached_property
    def _detail_url_parts(self) -> tuple[str, str]:
        # Resolved once per table rather than once per row: the same for every lead but its id.
        prefix = reverse("dashboard:lead_detail", args=["0"])[: -len("0/")]
        suffix = f"/?{urlencode({BACK_PARAMETER: self.back_url})}" if self.back_url else "/"
        return prefix, suffix

    def detail_url(self, lead: Lead) -> str:
        prefix, suffix = self._detail_url_parts
        return f"{prefix}{quote(lead.lead_id, safe='')}{suffix}"

    def render_date(self, record: Lead) -> str:
        return paris_datetime(record.meta.creation_date)

    def render_select(self, record: Lead) -> str:
        # The form is the bulk bar's, above the table: a checkbox needs no form around it.
        contact = record.contact
        name = (
            self.texts.erased_plain
            if contact.is_erased
            else contact.full_name or self.texts.no_name_plain
        )
        label = esc(self.texts.select_label % {"lead": name})
        return (
            f'<input type="checkbox" name="lead" value="{esc(record.lead_id)}" form="bulk-form"'
            f' class="row-select" aria-label="{label}">'
        )

    def render_contact(self, record: Lead) -> str:
        contact = record.contact
        if contact.is_erased:
            name = self.texts.erased
        else:
            name = esc(contact.full_name) if contact.full_name else self.texts.no_name
        link = f'<a href="{esc(self.detail_url(record))}" class="lead-link">{name}</a>'
        return f"{link}{followup_badges(record, self.marks.of(record.lead_id))}"

    def render_followup(self, record: Lead) -> str:
        return str(conditional_escape(followup_cell(record, self.marks.of(record.lead_id))))

    def render_phone(self, record: Lead) -> str:
        if record.contact.is_erased:
            return self.texts.erased_short
        if not record.contact.phone_numbers:
            return "—"
        number = record.contact.phone_numbers[0].number
        shown, dial = esc(phone_display(number)), phone_dial(number)
        if dial is None:
            return shown
        return (
            f'<a href="tel:{esc(dial)}" class="call-link" data-testid="call-link">'
            f'<span class="visually-hidden">{self.texts.call} </span>{shown}</a>'
        )

    def render_email(self, record: Lead) -> str:
        if record.contact.is_erased:
            return self.texts.erased_short
        if not record.contact.email:
            return "—"
        email = esc(record.contact.email)
        # Cut to the column's width; the whole address shows on hover and on focus.
        return (
            f'<a href="mailto:{email}" class="mail-link" data-testid="mail-link">'
            f'<span class="truncate">{email}</span></a>'
        )

    def render_portal(self, record: Lead) -> str:
        return _label(self.texts.portals, record.meta.portal)


def listing_link(lead: Lead) -> SafeString | str:
    classified = lead.classified
    if classified is None:
        return "—"
    url = reverse("dashboard:classified_leads", args=[classified.classified_id])
    # A long reference wraps at its hyphens rather than widening the column.
    text = classified.reference or f"n°\u00a0{classified.number_label}"
    return format_html('<a href="{}" class="listing-link">{}</a>', url, text)


class ClassifiedLeadTable(LeadTable):
    listing = tables.Column(verbose_name=_("Annonce"), empty_values=())
    price = tables.Column(verbose_name=_("Prix"), empty_values=(), attrs={"td": {"class": "num"}})
    city = tables.Column(verbose_name=_("Ville"), empty_values=())

    def render_listing(self, record: Lead) -> str:
        return str(listing_link(record))

    def render_price(self, record: Lead) -> str:
        return amount(price(record.classified.price if record.classified else None))

    def render_city(self, record: Lead) -> str:
        classified = record.classified
        return esc(classified.city or "—") if classified else "—"


class AgencyLeadTable(LeadTable):
    intention = tables.Column(verbose_name=_("Demande"), empty_values=())

    def render_intention(self, record: Lead) -> str:
        return _label(self.texts.intentions, record.meta.intention) or "—"


class SellerLeadTable(LeadTable):
    estimated_price = tables.Column(
        verbose_name=_("Prix estimé"), empty_values=(), attrs={"td": {"class": "num"}}
    )
    timeframe = tables.Column(verbose_name=_("Délai de vente"), empty_values=())
    city = tables.Column(verbose_name=_("Ville"), empty_values=())

    def render_estimated_price(self, record: Lead) -> str:
        estimation = record.estimation
        if estimation is None:
            return "—"
        return amount(
            bounds(
                price(estimation.estimated_price_min, empty=""),
                price(estimation.estimated_price_max, empty=""),
            )
        )

    def render_timeframe(self, record: Lead) -> str:
        estimation = record.estimation
        timeframe = estimation.sale_timeframe if estimation else None
        return _label(self.texts.timeframes, timeframe) or "—"

    def render_city(self, record: Lead) -> str:
        estimation = record.estimation
        return esc(estimation.city or "—") if estimation else "—"


class PropertySearchLeadTable(LeadTable):
    budget = tables.Column(
        verbose_name=_("Budget"), empty_values=(), attrs={"td": {"class": "num"}}
    )
    rooms = tables.Column(verbose_name=_("Pièces"), empty_values=())
    area = tables.Column(verbose_name=_("Surface"), empty_values=())
    city = tables.Column(verbose_name=_("Ville"), empty_values=())

    def render_budget(self, record: Lead) -> str:
        search = record.property_search
        if search is None:
            return "—"
        return amount(
            bounds(price(search.budget_min, empty=""), price(search.budget_max, empty=""))
        )

    def render_rooms(self, record: Lead) -> str:
        search = record.property_search
        if search is None:
            return "—"
        low = "" if search.rooms_min is None else str(search.rooms_min)
        high = "" if search.rooms_max is None else str(search.rooms_max)
        return esc(bounds(low, high))

    def render_area(self, record: Lead) -> str:
        search = record.property_search
        if search is None:
            return "—"
        return amount(
            bounds(
                surface(search.living_area_min, empty=""),
                surface(search.living_area_max, empty=""),
            )
        )

    def render_city(self, record: Lead) -> str:
        search = record.property_search
        if search is None:
            return "—"
        places = [search.city or "", ", ".join(search.postal_codes)]
        return esc(" · ".join(place for place in places if place) or "—")


class AllLeadTable(LeadTable):
    lead_type = tables.Column(verbose_name=_("Type"), empty_values=())
    subject = tables.Column(verbose_name=_("Objet"), empty_values=())

    class Meta(LeadTable.Meta):
        sequence = (
            "select",
            "date",
            "lead_type",
            "contact",
            "phone",
            "email",
            "subject",
            "portal",
            "followup",
        )

    def render_lead_type(self, record: Lead) -> str:
        kind = record.lead_type
        return (
            f'<span class="badge badge--info badge-type badge-type--{esc(kind.value.lower())}">'
            f"{self.texts.lead_types[kind]}</span>"
        )

    def render_subject(self, record: Lead) -> str:
        if record.classified is not None:
            return str(listing_link(record))
        if record.estimation is not None:
            return esc(record.estimation.city) if record.estimation.city else self.texts.estimation
        if record.property_search is not None:
            city = record.property_search.city
            return esc(city) if city else self.texts.search
        return _label(self.texts.intentions, record.meta.intention) or "—"


TABLES: dict[LeadFamily, type[LeadTable]] = {
    LeadFamily.ALL: AllLeadTable,
    LeadFamily.CLASSIFIED: ClassifiedLeadTable,
    LeadFamily.AGENCY: AgencyLeadTable,
    LeadFamily.SELLER: SellerLeadTable,
    LeadFamily.PROPERTY_SEARCH: PropertySearchLeadTable,
}


class CallLeadTable(LeadTable):
    """Tracked calls (AVIV Seeker Leads): the listing called about, how long, whether the
    caller left a voicemail, answered or missed."""

    listing = tables.Column(verbose_name=_("Annonce"), empty_values=())
    duration = tables.Column(
        verbose_name=_("Durée"), empty_values=(), attrs={"td": {"class": "num"}}
    )
    voicemail = tables.Column(verbose_name=_("Messagerie"), empty_values=())
    call_status = tables.Column(verbose_name=_("Statut de l'appel"), empty_values=())

    def render_listing(self, record: Lead) -> str:
        return str(listing_link(record))

    def render_duration(self, record: Lead) -> str:
        details = record.call_details
        return esc(call_duration(details.duration_seconds if details else None))

    def render_voicemail(self, record: Lead) -> str:
        details = record.call_details
        return esc(yes_no(details.is_voicemail if details else None))

    def render_call_status(self, record: Lead) -> str:
        details = record.call_details
        if details is None or details.status is None:
            return "—"
        return esc(labels.label(labels.CALL_STATUSES, details.status))


TABLES[LeadFamily.CALL_TRACKING] = CallLeadTable
