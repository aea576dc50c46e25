"""Reading exported files back, and what each cell should say, written independently of
leadsportal.exports (from the API data fetched through the client, with the rules stated in
the issue: dates, decimal separators, erased contacts, formula guard, phones)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl

from leadsportal import seeker_api
from leadsportal.dashboard import labels
from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import (
    MAX_WINDOW_DAYS,
    PAGE_SIZE_MAX,
    ApiCredentials,
    Lead,
    LeadFamily,
    LeadsApiClient,
    PageRequest,
    SearchCriteria,
    get_client,
)
from leadsportal.lib.phones import phone_display
from tests.fixtures import PARIS_CLIENT

PARIS = ZoneInfo("Europe/Paris")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ERASED_NAME = "Données effacées (RGPD)"
ERASED = "effacé (RGPD)"
MARKER = "EXPORT INCOMPLET"

COMMON_HEADERS = [
    "Date",
    "Identifiant du lead",
    "Type",
    "Contact",
    "Contact effacé (RGPD)",
    "Téléphone",
    "Autres téléphones",
    "E-mail",
    "Portail",
]
FAMILY_HEADERS = {
    LeadFamily.ALL: ["Objet"],
    LeadFamily.CLASSIFIED: ["Annonce", "N° d'annonce", "Prix (€)", "Ville"],
    LeadFamily.AGENCY: ["Demande"],
    LeadFamily.SELLER: ["Prix estimé min (€)", "Prix estimé max (€)", "Délai de vente", "Ville"],
    LeadFamily.PROPERTY_SEARCH: [
        "Budget min (€)",
        "Budget max (€)",
        "Pièces min",
        "Pièces max",
        "Surface min (m²)",
        "Surface max (m²)",
        "Ville",
        "Codes postaux",
    ],
    # AVIV Seeker Leads only (docs/UPSTREAMS.md, "Families").
    LeadFamily.CALL_TRACKING: [
        "Annonce",
        "N° d'annonce",
        "Durée de l'appel (s)",
        "Messagerie",
        "Statut de l'appel",
    ],
}


FOLLOWUP_HEADERS = [
    "Statut du suivi",
    "Responsable",
    "Nombre de notes",
    "Délai de première réponse (min)",
]


def headers_for(family: LeadFamily) -> list[str]:
    return [*COMMON_HEADERS, *FAMILY_HEADERS[family], *FOLLOWUP_HEADERS, "Message"]


def window(days: int) -> tuple[date, date]:
    end = today_in_paris()
    return end - timedelta(days=days - 1), end


def criteria_for(start: date, end: date, **filters: Any) -> SearchCriteria:
    return SearchCriteria(
        start=start_of_day(start), end=start_of_day(end + timedelta(days=1)), **filters
    )


def paris_client(sandbox_server) -> LeadsApiClient:
    """A client of the Paris demo credentials, for fixtures wider than one test."""
    url = sandbox_server.sandbox_url
    return LeadsApiClient(
        ApiCredentials(*PARIS_CLIENT, base_url=url, token_url=url + "/oauth/token")
    )


def all_leads(
    agency_or_client, family: LeadFamily, criteria: SearchCriteria
) -> tuple[list[Lead], int]:
    """Every lead of the list, page by page, through our client (never mocked)."""
    client = (
        agency_or_client
        if isinstance(agency_or_client, LeadsApiClient)
        else get_client(agency_or_client.api_credentials())
    )
    first = client.search(family, criteria, PageRequest(1, PAGE_SIZE_MAX))
    leads = list(first.leads)
    for index in range(2, first.page_count + 1):
        leads.extend(client.search(family, criteria, PageRequest(index, PAGE_SIZE_MAX)).leads)
    return leads, first.count


def listing_leads(agency, classified_id: int) -> list[Lead]:
    client = get_client(agency.api_credentials())
    first = client.classified_leads(classified_id, PageRequest(1, PAGE_SIZE_MAX))
    leads = list(first.leads)
    for index in range(2, first.page_count + 1):
        leads.extend(
            client.classified_leads(classified_id, PageRequest(index, PAGE_SIZE_MAX)).leads
        )
    return leads


def upstream_leads(
    upstream, family: LeadFamily, criteria: SearchCriteria
) -> tuple[list[Lead], int]:  # type: ignore[no-untyped-def]
    """Every lead of the list in the list's order, for the agency of a `tests.fixtures`
    UpstreamCase: on GSL the API's own search (`all_leads`); on Seeker Leads the sandbox's own
    selection (`UpstreamCase.expected`), each lead as the Seeker client reads it from the feed."""
    if not upstream.is_seeker:
        return all_leads(upstream.agency, family, criteria)
    expected = upstream.expected(family, criteria, PageRequest(1, 1_000_000))
    client = seeker_api.get_client(upstream.agency.seeker_credentials())
    by_id = {lead.lead_id: lead for lead in client.window_leads(criteria.start, criteria.end)}
    leads = [by_id.get(lead_id) or upstream.lead(lead_id) for lead_id in expected.lead_ids]
    return leads, expected.count


def upstream_listing_ids(upstream, classified_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The ids a listing's own page lists: on GSL the API's listing route; on Seeker Leads, the
    listing's leads of the last 92 days' window (docs/UPSTREAMS.md), from the sandbox's data."""
    if not upstream.is_seeker:
        return [lead.lead_id for lead in listing_leads(upstream.agency, classified_id)]
    now = datetime.now(UTC)
    window = SearchCriteria(
        start=now - timedelta(days=MAX_WINDOW_DAYS),
        end=now + timedelta(minutes=2),
        classified_ids=(classified_id,),
    )
    return list(upstream.expected(LeadFamily.ALL, window, PageRequest(1, 1_000_000)).lead_ids)


def body(response) -> bytes:
    """The file of an export response: built in the request (small lists) or downloaded."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def queued_exports() -> list[int]:
    """The ids of the exports waiting in the task queue (the session's queue in memory)."""
    from huey.contrib.djhuey import HUEY

    from leadsportal.exports.tasks import export_build

    return [task.args[0] for task in HUEY.pending() if isinstance(task, export_build.task_class)]


def start_background_export(client, url: str):  # type: ignore[no-untyped-def]
    """Click a format of a long list: the job is queued, the person lands on its page."""
    from leadsportal.exports.models import ExportRecord

    response = client.get(url)
    assert response.status_code == 302, response.content[:500]
    match = re.fullmatch(r"/exports/(\d+)/", response["Location"])
    assert match, response["Location"]
    record = ExportRecord.objects.get(pk=int(match[1]))
    assert record.pk in queued_exports()
    return record


def run_queued_export(record) -> None:  # type: ignore[no-untyped-def]
    """What a worker does with the queued job (in this process; see test_export_worker.py
    for a real worker)."""
    from leadsportal.exports.tasks import export_build

    export_build.call_local(record.pk)
    record.refresh_from_db()


def background_file(client, url: str):  # type: ignore[no-untyped-def]
    """A long list's export from the click to the downloaded file: (record, response, bytes)."""
    record = start_background_export(client, url)
    run_queued_export(record)
    response = client.get(f"/exports/{record.pk}/fichier/")
    record.refresh_from_db()
    assert response.status_code == 200, (record.status, record.error)
    return record, response, body(response)


def read_csv(data: bytes, *, excel_fr: bool) -> list[list[str]]:
    if excel_fr:
        assert data.startswith(b"\xef\xbb\xbf"), "CSV (Excel FR) starts with a UTF-8 BOM"
        text = data[3:].decode("utf-8")
    else:
        assert not data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if excel_fr else ","))


def read_xlsx(data: bytes, sheet: str = "Leads") -> tuple[list[list[Any]], Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    worksheet = workbook[sheet]
    return [list(row) for row in worksheet.iter_rows()], workbook


# --- Expected values -------------------------------------------------------------------------


def _subject(lead: Lead) -> str | None:
    if lead.classified is not None:
        return lead.classified.reference or f"n° {_listing_number(lead.classified)}"
    if lead.estimation is not None:
        return lead.estimation.city or "Estimation"
    if lead.property_search is not None:
        return lead.property_search.city or "Recherche"
    return labels.label(labels.INTENTIONS, lead.meta.intention) or None


NO_FOLLOWUP = ["Nouveau", None, 0, None]


def _listing_number(listing) -> int | str:  # type: ignore[no-untyped-def]
    """As the portal writes it (docs/UPSTREAMS.md): GSL's integer, Seeker's 12 characters."""
    return listing.portal_id or listing.classified_id


def expected_values(lead: Lead, family: LeadFamily, followup: list[Any] | None = None) -> list[Any]:
    """Typed values (str, int, float, datetime, None) in the order of headers_for(family);
    `followup`: status label, assignee name, notes, response minutes (default: none yet)."""
    contact = lead.contact
    erased = contact.is_erased
    phones = [phone_display(phone.number) for phone in contact.phone_numbers]
    values: list[Any] = [
        lead.meta.creation_date,
        lead.lead_id,
        str(labels.LEAD_TYPES[lead.lead_type]),
        ERASED_NAME if erased else contact.full_name,
        "oui" if erased else "non",
        ERASED if erased else (phones[0] if phones else None),
        ERASED if erased else (" / ".join(phones[1:]) or None),
        ERASED if erased else contact.email,
        labels.portal_label(lead.meta.portal),
    ]
    if family is LeadFamily.ALL:
        values.append(_subject(lead))
    elif family is LeadFamily.CLASSIFIED:
        listing = lead.classified
        values += (
            [listing.reference, _listing_number(listing), listing.price, listing.city]
            if listing
            else [None] * 4
        )
    elif family is LeadFamily.CALL_TRACKING:
        listing, call = lead.classified, lead.call_details
        values += [listing.reference, _listing_number(listing)] if listing else [None] * 2
        values += (
            [
                call.duration_seconds,
                None if call.is_voicemail is None else ("oui" if call.is_voicemail else "non"),
                labels.label(labels.CALL_STATUSES, call.status) or None,
            ]
            if call
            else [None] * 3
        )
    elif family is LeadFamily.AGENCY:
        values.append(labels.label(labels.INTENTIONS, lead.meta.intention) or None)
    elif family is LeadFamily.SELLER:
        estimation = lead.estimation
        values += (
            [
                estimation.estimated_price_min,
                estimation.estimated_price_max,
                labels.label(labels.SALE_TIMEFRAMES, estimation.sale_timeframe) or None,
                estimation.city,
            ]
            if estimation
            else [None] * 4
        )
    else:
        search = lead.property_search
        values += (
            [
                search.budget_min,
                search.budget_max,
                search.rooms_min,
                search.rooms_max,
                search.living_area_min,
                search.living_area_max,
                search.city,
                ", ".join(search.postal_codes) or None,
            ]
            if search
            else [None] * 8
        )
    values += followup if followup is not None else NO_FOLLOWUP
    values.append(ERASED if erased else contact.message)
    return values


PHONE_COLUMNS = {"Téléphone", "Autres téléphones"}
NUMBER_COLUMNS = {
    "Nombre de notes",
    "Délai de première réponse (min)",
    "N° d'annonce",
    "Durée de l'appel (s)",
    "Prix (€)",
    "Prix estimé min (€)",
    "Prix estimé max (€)",
    "Budget min (€)",
    "Budget max (€)",
    "Pièces min",
    "Pièces max",
    "Surface min (m²)",
    "Surface max (m²)",
}
STRICT_PHONE = re.compile(r"\+?[0-9][0-9 .()/-]+")


def _grouped_french(number: str) -> str:
    if re.fullmatch(r"0[1-9]\d{8}", number):
        return " ".join(number[i : i + 2] for i in range(0, 10, 2))
    if re.fullmatch(r"\+33[1-9]\d{8}", number):
        return "+33 " + number[3] + " " + " ".join(number[i : i + 2] for i in range(4, 12, 2))
    return number


def expected_csv_cell(header: str, value: Any, *, excel_fr: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(PARIS)
        return local.strftime("%d/%m/%Y %H:%M") if excel_fr else local.isoformat(timespec="seconds")
    if header in NUMBER_COLUMNS and not isinstance(value, str):
        text = str(int(value)) if float(value).is_integer() else str(value)
        return text.replace(".", ",") if excel_fr else text
    if header in PHONE_COLUMNS and all(STRICT_PHONE.fullmatch(p) for p in value.split(" / ")):
        return " / ".join(_grouped_french(p) for p in value.split(" / ")) if excel_fr else value
    return "'" + value if value.startswith(TRIGGERS) else value


def expected_xlsx_cell(header: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(PARIS).replace(tzinfo=None)
    if header in NUMBER_COLUMNS and isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    return value


def xlsx_datetime(value: datetime) -> datetime:
    """openpyxl reads a serial day count back; rounding may leave a few microseconds."""
    return (value + timedelta(microseconds=500_000)).replace(microsecond=0)


def now_utc() -> datetime:
    return datetime.now(UTC)
