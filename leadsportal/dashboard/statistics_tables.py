"""The statistics page's tables: the domain's counts (followup/statistics.py) as rows and
columns, each cell with its value (for the CSV and the chart) and its text (for the page).

The same `StatTable` is rendered as an HTML table beside its chart (statistics.js draws the
chart from the table's own cells) and written as a CSV: the three always say the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadsportal.agencies.members import agency_members, member_label
from leadsportal.agencies.models import Agency
from leadsportal.dashboard import labels
from leadsportal.dashboard.badges import duration_label
from leadsportal.dashboard.dates import PARIS
from leadsportal.dashboard.statistics_forms import StatisticsRequest
from leadsportal.followup.listings import listing_number_label
from leadsportal.followup.models import StageKind
from leadsportal.followup.statistics import (
    PATH_KINDS,
    Granularity,
    ReasonCount,
    ResponseCounts,
    StatisticsScope,
    funnel,
    index_oldest_lead,
    leads_by_bucket_and_type,
    leads_by_portal,
    lost_reasons,
    responses_by_member,
    top_listings,
)
from leadsportal.leads_api import LeadType

Value = int | float | str | date | None

# The families of the flow's columns, in the tabs' order, with the tabs' names.
FAMILY_COLUMNS: Final[tuple[tuple[LeadType, str | Promise], ...]] = (
    (LeadType.CLASSIFIED, gettext_lazy("Annonces")),
    (LeadType.AGENCY, gettext_lazy("Agence")),
    (LeadType.SELLER, gettext_lazy("Vendeurs")),
    (LeadType.PROPERTY_SEARCH, gettext_lazy("Recherches de biens")),
    # Tracked calls: a column only for agencies on AVIV Seeker Leads (see _family_columns).
    (LeadType.CALL_TRACKING, gettext_lazy("Appels")),
)


def _family_columns(scope: StatisticsScope) -> tuple[tuple[LeadType, str | Promise], ...]:
    if scope.agency.is_seeker:
        return FAMILY_COLUMNS
    return tuple(item for item in FAMILY_COLUMNS if item[0] is not LeadType.CALL_TRACKING)


@dataclass(frozen=True)
class Column:
    label: str
    # "text", "count", "number" (an identifier), "share" (0..1), "minutes", "date"
    kind: str = "count"
    # Drawn by the chart (one dataset per charted column).
    charted: bool = False


@dataclass(frozen=True)
class Cell:
    value: Value
    text: str
    href: str = ""


@dataclass(frozen=True)
class StatTable:
    key: str  # the `table=` of its CSV
    title: str
    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    # How statistics.js draws it: "stacked" (bars stacked per row), "bars" (horizontal bars),
    # "grouped" (bars side by side); "" for no chart.
    chart: str = ""
    empty_text: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def lines(self) -> list[list[tuple[Column, Cell]]]:
        """The body's rows, each cell with its column (for the template)."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def total_line(self) -> list[tuple[Column, Cell]]:
        return list(zip(self.columns, self.total, strict=True)) if self.total else []


def count_cell(value: int) -> Cell:
    return Cell(value, number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True))


def share_cell(value: float | None) -> Cell:
    if value is None:
        return Cell(None, "—")
    return Cell(round(value, 4), f"{round(value * 100)} %")


def minutes_cell(seconds: float | None) -> Cell:
    """A response time: minutes as a number (CSV, chart), "2 h 05" as text."""
    if seconds is None:
        return Cell(None, "—")
    return Cell(round(seconds / 60, 1), duration_label(seconds))


def text_cell(text: str, href: str = "") -> Cell:
    return Cell(text, text, href)


def _bucket_label(start: date, granularity: Granularity, request: StatisticsRequest) -> str:
    if granularity is Granularity.DAY:
        return start.strftime("%d/%m/%Y")
    partial = start < request.first or start + timedelta(days=6) > request.last
    label = start.strftime("%d/%m/%Y")  # the Monday, under the column "Semaine du"
    return f"{label} *" if partial else label


def families_table(scope: StatisticsScope, request: StatisticsRequest) -> StatTable:
    granularity = request.granularity
    buckets = leads_by_bucket_and_type(scope=scope, granularity=granularity)
    family_columns = _family_columns(scope)
    rows = [
        [
            Cell(bucket.start, _bucket_label(bucket.start, granularity, request)),
            *(
                count_cell(bucket.by_type.get(lead_type.value, 0))
                for lead_type, _l in family_columns
            ),
            count_cell(bucket.total),
        ]
        for bucket in buckets
    ]
    totals = [
        sum(bucket.by_type.get(lead_type.value, 0) for bucket in buckets)
        for lead_type, _l in family_columns
    ]
    per_day = granularity is Granularity.DAY
    notes = []
    if not per_day and any(row[0].text.endswith("*") for row in rows):
        notes.append(
            _("* semaine en partie hors de la période : seuls ses jours dans la période comptent.")
        )
    return StatTable(
        key="families",
        title=_("Leads par jour et par famille")
        if per_day
        else _("Leads par semaine et par famille"),
        caption=_("Nombre de leads reçus par jour, par famille")
        if per_day
        else _("Nombre de leads reçus par semaine (du lundi au dimanche), par famille"),
        columns=[
            Column(_("Jour") if per_day else _("Semaine du"), kind="date"),
            *(Column(str(label), charted=True) for _t, label in family_columns),
            Column(_("Total")),
        ],
        rows=rows,
        total=[text_cell(_("Total")), *(count_cell(n) for n in totals), count_cell(sum(totals))],
        chart="stacked",
        notes=notes,
    )


def portals_table(scope: StatisticsScope, request: StatisticsRequest) -> StatTable:
    counts = leads_by_portal(scope=scope)
    total = sum(row.count for row in counts)
    return StatTable(
        key="portals",
        title=_("Leads par portail"),
        caption=_("Nombre de leads reçus par portail sur la période"),
        columns=[
            Column(_("Portail"), kind="text"),
            Column(_("Leads"), charted=True),
            Column(_("Part"), kind="share"),
        ],
        rows=[
            [
                text_cell(labels.portal_label(row.portal) or _("Non précisé")),
                count_cell(row.count),
                share_cell(row.count / total),
            ]
            for row in counts
        ],
        total=[text_cell(_("Total")), count_cell(total), share_cell(1.0 if total else None)],
        chart="bars",
        empty_text=_("Aucun lead sur la période."),
    )


def listings_table(scope: StatisticsScope, request: StatisticsRequest) -> StatTable:
    listings = top_listings(scope=scope)
    period = urlencode({"start": request.first.isoformat(), "end": request.last.isoformat()})
    rows = []
    for row in listings:
        href = reverse("dashboard:classified_leads", args=[row.classified_id]) + f"?{period}"
        # As the lead's page writes it: on Seeker Leads the portal's 12 characters.
        shown = listing_number_label(agency=scope.agency, classified_id=row.classified_id)
        rows.append(
            [
                text_cell(row.reference or _("n° %(number)s") % {"number": shown}, href),
                text_cell(row.title or "—"),
                Cell(shown if scope.agency.is_seeker else row.classified_id, shown),
                count_cell(row.count),
            ]
        )
    return StatTable(
        key="listings",
        title=_("Annonces les plus demandées"),
        caption=_("Les %(n)s annonces qui ont reçu le plus de leads sur la période")
        % {"n": len(listings)},
        columns=[
            Column(_("Référence"), kind="text"),
            Column(_("Titre"), kind="text"),
            Column(_("N° d'annonce"), kind="number"),
            Column(_("Leads"), charted=True),
        ],
        rows=rows,
        chart="bars",
        empty_text=_("Aucun lead sur une annonce pendant la période."),
    )


def _response_cells(counts: ResponseCounts) -> list[Cell]:
    return [
        count_cell(counts.assigned),
        count_cell(counts.answered),
        minutes_cell(counts.median_seconds),
        share_cell(counts.share_within_hour),
    ]


def members_table(
    scope: StatisticsScope, request: StatisticsRequest, *, agency: Agency
) -> StatTable:
    responses = responses_by_member(scope=scope)
    members = {user.pk: user for user in agency_members(agency=agency)}
    if scope.assignee_id is not None:
        members = {pk: user for pk, user in members.items() if pk == scope.assignee_id}
    missing = set(responses.by_member) - set(members)
    if missing:  # former members keep their figures
        for user in get_user_model().objects.filter(pk__in=missing):
            members[user.pk] = user
    ordered = sorted(members.values(), key=lambda user: member_label(user).casefold())
    none = ResponseCounts(assigned=0, answered=0, answered_within_hour=0, median_seconds=None)
    rows = [
        [text_cell(member_label(user)), *_response_cells(responses.by_member.get(user.pk, none))]
        for user in ordered
    ]
    return StatTable(
        key="members",
        title=_("Réponses par membre"),
        caption=_(
            "Par membre : leads assignés sur la période, leads répondus, délai médian de "
            "première réponse et part répondue en moins d'une heure"
        ),
        columns=[
            Column(_("Membre"), kind="text"),
            Column(_("Leads assignés"), charted=True),
            Column(_("Répondus"), charted=True),
            Column(_("Délai médian de première réponse"), kind="minutes"),
            Column(_("Répondus en moins d'1 h"), kind="share"),
        ],
        rows=rows,
        total=None
        if scope.assignee_id is not None
        else [text_cell(_("Toute l'agence")), *_response_cells(responses.total)],
        chart="grouped",
        notes=[
            _(
                "Un lead est répondu à son premier changement de statut ; le délai court de sa "
                "réception à ce changement. La part en moins d'1 h est celle des leads assignés."
            )
        ],
    )


def funnel_table(scope: StatisticsScope, request: StatisticsRequest) -> StatTable:
    stages = funnel(scope=scope)
    total = next((stage.count for stage in stages if stage.kind == StageKind.NEW), 0)
    rows = []
    previous: int | None = None
    for stage in stages:
        on_path = stage.kind in PATH_KINDS
        step = stage.count / previous if on_path and previous else None
        rows.append(
            [
                text_cell(stage.name),
                count_cell(stage.count),
                share_cell(stage.count / total if total else None),
                share_cell(step),
            ]
        )
        if on_path:
            previous = stage.count
    return StatTable(
        key="funnel",
        title=_("Entonnoir du suivi"),
        caption=_(
            "Pour chaque étape du suivi, dans l'ordre : les leads reçus sur la période qui "
            "l'ont atteinte"
        ),
        columns=[
            Column(_("Étape"), kind="text"),
            Column(_("Leads"), charted=True),
            Column(_("Part des leads reçus"), kind="share"),
            Column(_("Depuis l'étape précédente"), kind="share"),
        ],
        rows=rows if total else [],
        chart="bars",
        empty_text=_("Aucun lead sur la période."),
        notes=[
            _(
                "Les leads reçus sur la période, et jusqu'où ils sont allés à ce jour. Un lead "
                "a atteint une étape s'il y est ou y a été, ou s'il est ou a été à une étape "
                "suivante en cours ou gagnée ; il n'a atteint une étape perdue ou terminée que "
                "s'il y est ou y a été. « Depuis l'étape précédente » compare aux leads de "
                "l'étape en cours ou gagnée qui précède."
            )
        ],
    )


def lost_reasons_table(scope: StatisticsScope, request: StatisticsRequest) -> StatTable:
    reasons = lost_reasons(scope=scope)
    total = sum(reason.count for reason in reasons)

    def label(reason: ReasonCount) -> str:
        if reason.reason_id is None:
            return _("Sans raison")
        if reason.archived:
            return _("%(label)s (archivée)") % {"label": reason.label}
        return reason.label

    return StatTable(
        key="lost_reasons",
        title=_("Raisons de perte"),
        caption=_("Leads reçus sur la période et perdus à ce jour, par raison"),
        columns=[
            Column(_("Raison"), kind="text"),
            Column(_("Leads perdus"), charted=True),
            Column(_("Part"), kind="share"),
        ],
        rows=[
            [text_cell(label(reason)), count_cell(reason.count), share_cell(reason.count / total)]
            for reason in reasons
        ]
        if total
        else [],
        total=[text_cell(_("Total")), count_cell(total), share_cell(1.0 if total else None)],
        chart="bars",
        empty_text=_("Aucun lead de la période n'est perdu."),
    )


@dataclass(frozen=True)
class Statistics:
    tables: list[StatTable]
    total_leads: int
    oldest_indexed: date | None

    def table(self, key: str) -> StatTable:
        return next(table for table in self.tables if table.key == key)


def statistics_for(
    *, agency: Agency, request: StatisticsRequest, assignee_id: int | None
) -> Statistics:
    scope = StatisticsScope(
        agency=agency,
        start=request.start,
        end=request.end,
        zone=PARIS,
        assignee_id=assignee_id,
    )
    families = families_table(scope, request)
    oldest = index_oldest_lead(agency=agency)
    return Statistics(
        tables=[
            families,
            portals_table(scope, request),
            listings_table(scope, request),
            funnel_table(scope, request),
            lost_reasons_table(scope, request),
            members_table(scope, request, agency=agency),
        ],
        total_leads=sum(
            cell.value
            for row in families.rows
            if isinstance(cell := row[-1], Cell) and isinstance(cell.value, int)
        ),
        oldest_indexed=oldest.astimezone(PARIS).date() if oldest else None,
    )


def statistics_table(
    *, agency: Agency, request: StatisticsRequest, assignee_id: int | None, key: str
) -> StatTable:
    """One table only (a CSV download): only its queries."""
    scope = StatisticsScope(
        agency=agency, start=request.start, end=request.end, zone=PARIS, assignee_id=assignee_id
    )
    if key == "families":
        return families_table(scope, request)
    if key == "portals":
        return portals_table(scope, request)
    if key == "listings":
        return listings_table(scope, request)
    if key == "funnel":
        return funnel_table(scope, request)
    if key == "lost_reasons":
        return lost_reasons_table(scope, request)
    return members_table(scope, request, agency=agency)
