"""The statistics page (`/statistiques/`) and the CSV of each of its tables.

Managers see the agency's figures; an agent sees the same page over the leads assigned to
them. Everything comes from our database (followup/statistics.py): no upstream call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.dashboard.dates import today_in_paris
from leadsportal.dashboard.export_formats import ExportFormat
from leadsportal.dashboard.statistics_csv import table_csv
from leadsportal.dashboard.statistics_forms import (
    CSV_FORMATS,
    StatisticsForm,
    StatisticsRequest,
    period_shortcuts,
)
from leadsportal.dashboard.statistics_tables import StatTable, statistics_for, statistics_table

TEMPLATE = "dashboard/statistics.html"
CSV_NAMES = {
    "families": "leads-par-famille",
    "portals": "leads-par-portail",
    "listings": "annonces",
    "funnel": "entonnoir",
    "lost_reasons": "raisons-de-perte",
    "members": "reponses-par-membre",
}


@dataclass(frozen=True)
class Download:
    label: str
    url: str


@dataclass(frozen=True)
class Section:
    table: StatTable
    downloads: list[Download]


def _csv_response(table: StatTable, wanted: StatisticsRequest) -> HttpResponse:
    excel_fr = wanted.csv_format is ExportFormat.CSV_EXCEL
    name = f"statistiques-{CSV_NAMES[table.key]}_{wanted.first.isoformat()}_{wanted.last.isoformat()}.csv"
    return HttpResponse(
        table_csv(table, excel_fr=excel_fr),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )


@require_GET
@agency_required
def statistics_page(request: AgencyRequest) -> HttpResponse:
    form = StatisticsForm(request.GET)
    if not form.is_valid():
        invalid: dict[str, Any] = {
            "form": form,
            "statistics": None,
            "shortcuts": period_shortcuts(request.path, None, today_in_paris()),
        }
        return render(request, TEMPLATE, invalid, status=400)
    wanted = form.statistics_request()
    # An agent's page counts the leads assigned to them only.
    assignee_id = None if request.membership.is_manager else request.user.pk
    if wanted.csv_format is not None:
        table = statistics_table(
            agency=request.agency, request=wanted, assignee_id=assignee_id, key=wanted.table
        )
        return _csv_response(table, wanted)
    statistics = statistics_for(agency=request.agency, request=wanted, assignee_id=assignee_id)
    sections = [
        Section(
            table=table,
            downloads=[
                Download(str(choice.label), wanted.csv_url(request.path, table.key, choice))
                for choice in CSV_FORMATS
            ],
        )
        for table in statistics.tables
    ]
    context: dict[str, Any] = {
        "form": form.displayed(),
        "wanted": wanted,
        "statistics": statistics,
        "sections": sections,
        "shortcuts": period_shortcuts(request.path, wanted, today_in_paris()),
        "own_leads_only": assignee_id is not None,
        "index_starts_late": statistics.oldest_indexed is not None
        and statistics.oldest_indexed > wanted.first,
    }
    return render(request, TEMPLATE, context)
