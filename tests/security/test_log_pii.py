"""No personal data of leads, and no secret, ever reaches the logs.

Every log record of a full working session is captured at DEBUG level (as with LOG_LEVEL=DEBUG,
the most talkative setting an operator can choose), through the project's JsonFormatter and
pytest's caplog: a manager goes through every tab and several pages, opens about twenty leads of
each type, a listing's page and a contact's other leads, changes a follow-up, exports in every
format; a stranger fails to log in; the API faults; an agency's secret is wrong. Then the seeded
personal data of every lead that was on screen or in a file, read through the leads API client,
is searched for in that text: first and last names, e-mails, phone numbers (as written and as
digits), message fragments. None may be there; nor the agencies' client secrets, their Basic
credentials, the access tokens, or the password typed at the failed login.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadsportal.agencies.models import Agency, Membership
from leadsportal.core.logging import JsonFormatter
from leadsportal.leads_api import (
    PAGE_SIZE_MAX,
    Lead,
    LeadFamily,
    LeadsApiNotFound,
    PageRequest,
    SearchCriteria,
    get_client,
)
from leadsportal.watch.leases import lease_take
from leadsportal.watch.models import LiveEvent
from leadsportal.watch.poll import agency_poll
from leadsportal.watch.schedule import slot_of
from tests.fixtures import PARIS_CLIENT, LoggedIn
from tests.security.samples import window
from tests.watch.test_workers import MANAGE, database_url

DETAILS_PER_TYPE = 20
LEAD_LINK = re.compile(r'href="/lead/([A-Za-z0-9_-]+)/')
WRONG_PASSWORD = "Mauvais-Mot-De-Passe-7731"
WRONG_SECRET = "not-the-secret-4f1c9e2a"


class JsonLines(logging.Handler):
    """Keeps every record as the production formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as exc:  # a record the formatter cannot write is still searched
            self.lines.append(f"UNFORMATTABLE {exc!r} {record.msg!r} {record.args!r}")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@dataclass
class CapturedLogs:
    handler: JsonLines
    caplog: pytest.LogCaptureFixture

    def text(self) -> str:
        """The JSON lines, their string values unescaped (a message's quotes and line breaks
        are escaped in JSON), and caplog's own rendering of every record."""
        decoded = []
        for line in self.handler.lines:
            try:
                decoded.extend(_strings(json.loads(line)))
            except ValueError:
                decoded.append(line)
        return "\n".join([*self.handler.lines, *decoded, self.caplog.text])

    def production_text(self) -> str:
        """Only what the production formatter writes (caplog's rendering shows every record's
        raw message, which no deployed handler writes), its string values unescaped."""
        decoded = []
        for line in self.handler.lines:
            with contextlib.suppress(ValueError):
                decoded.extend(_strings(json.loads(line)))
        return "\n".join([*self.handler.lines, *decoded])


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[CapturedLogs]:
    """Every record of every logger at DEBUG, including those that do not propagate to the root
    (django.request, django.server): the root is lowered as LOG_LEVEL=DEBUG would lower it,
    and loggers the settings pin to a level keep it."""
    handler = JsonLines()
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        logger.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield CapturedLogs(handler, caplog)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@dataclass
class Session:
    """What a browse saw: the lead ids on its pages and in its files."""

    lead_ids: set[str] = field(default_factory=set)
    files: int = 0

    def page(self, client: Client, path: str, *, expect: int = 200, **kwargs: Any) -> str:
        response = client.get(path, **kwargs)
        assert response.status_code == expect, path
        body = response.content.decode()
        self.lead_ids.update(LEAD_LINK.findall(body))
        return body

    def export(self, client: Client, path: str) -> None:
        response: HttpResponse = client.get(path)
        assert response.status_code == 200, path
        content = response.content
        if path.endswith("xlsx"):
            rows = list(
                openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
            )
            cells = [[str(cell or "") for cell in row] for row in rows]
        else:
            text = content.decode("utf-8-sig")
            delimiter = ";" if "csv-excel" in path else ","
            cells = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        column = cells[0].index("Identifiant du lead")
        ids = {row[column] for row in cells[1:] if len(row) > column and row[column]}
        assert ids, f"{path} exported no lead"
        self.lead_ids.update(ids)
        self.files += 1


def leads_of(agency: Agency, family: LeadFamily, criteria: SearchCriteria) -> list[Lead]:
    client = get_client(agency.api_credentials())
    leads: list[Lead] = []
    index = 1
    while True:
        page = client.search(family, criteria, PageRequest(index=index, size=PAGE_SIZE_MAX))
        leads.extend(page.leads)
        if index >= page.page_count:
            return leads
        index += 1


def personal_data(leads: Iterable[Lead]) -> set[str]:
    """The seeded personal data of these leads, as it could be written to a log."""
    found: set[str] = set()
    for lead in leads:
        contact = lead.contact
        for name in (contact.first_name, contact.last_name):
            if name and len(name.strip()) >= 4:
                found.add(name.strip())
        if contact.email:
            found.add(contact.email)
        for phone in contact.phone_numbers:
            found.add(phone.number)
            digits = re.sub(r"\D", "", phone.number)
            found.update({digits, "0" + digits[2:] if digits.startswith("33") else digits})
        for line in re.split(r"[\r\n]+", contact.message or ""):
            line = line.strip()
            if len(line) >= 20:
                found.add(line[:40])
    return {value for value in found if len(value) >= 4}


def browse_as_manager(session: Session, manager: LoggedIn, paris: Agency, sandbox) -> None:  # type: ignore[no-untyped-def]
    client = manager.client
    # Every tab, its second page (htmx), the whole browser region (htmx), a filter.
    for tab in ("", "annonces", "agence", "vendeurs", "recherches"):
        url = reverse("dashboard:family_leads", args=[tab]) if tab else reverse("dashboard:leads")
        session.page(client, url)
        session.page(
            client, f"{url}?page=2", headers={"HX-Request": "true", "HX-Target": "results"}
        )
        session.page(client, url, headers={"HX-Request": "true", "HX-Target": "browser"})
    session.page(client, reverse("dashboard:leads") + "?portal=SLG-FRA&status=nouveau")
    session.page(client, reverse("dashboard:tab_counts"))
    session.page(client, reverse("dashboard:agency_settings"), expect=200)

    # About twenty leads of each type, the other leads of their contacts, their listings.
    recent = {
        family: leads_of(paris, family, window(30))
        for family in (
            LeadFamily.CLASSIFIED,
            LeadFamily.AGENCY,
            LeadFamily.SELLER,
            LeadFamily.PROPERTY_SEARCH,
        )
    }
    detail_leads = {family: leads[:DETAILS_PER_TYPE] for family, leads in recent.items()}
    for leads in detail_leads.values():
        assert len(leads) == DETAILS_PER_TYPE
        for lead in leads:
            session.page(client, reverse("dashboard:lead_detail", args=[lead.lead_id]))
            session.lead_ids.add(lead.lead_id)
        session.page(client, reverse("dashboard:contact_leads", args=[leads[0].lead_id]))
    classified = next(
        lead.classified for lead in detail_leads[LeadFamily.CLASSIFIED] if lead.classified
    )
    listing = reverse("dashboard:classified_leads", args=[classified.classified_id])
    session.page(client, listing)

    # Follow-up changes of a lead.
    lead_id = detail_leads[LeadFamily.SELLER][0].lead_id
    for route, data in (
        ("dashboard:status", {"status": "contacte"}),
        ("dashboard:assignee", {"assignee": str(manager.user.pk)}),
        ("dashboard:note", {"body": "Rappeler après la visite."}),
    ):
        assert client.post(reverse(route, args=[lead_id]), data).status_code == 303

    # Exports: every format of the list, a tab, a listing.
    for export_format in ("xlsx", "csv-excel", "csv"):
        session.export(client, reverse("exports:leads") + f"?format={export_format}")
    session.export(client, reverse("exports:family_leads", args=["vendeurs"]) + "?format=csv")
    session.export(
        client,
        reverse("exports:classified_leads", args=[classified.classified_id]) + "?format=xlsx",
    )
    session.page(client, reverse("exports:history"))

    # Upstream faults: a list, a lead and an export meet an API error.
    sandbox.fault_mode, sandbox.fault_next = "error500", 1
    session.page(client, reverse("dashboard:leads") + "?page=4", expect=502)
    sandbox.fault_mode, sandbox.fault_next = "malformed", 1
    unopened = recent[LeadFamily.AGENCY][DETAILS_PER_TYPE]  # an opened one would be cached
    session.page(client, reverse("dashboard:lead_detail", args=[unopened.lead_id]), expect=502)
    sandbox.fault_mode, sandbox.fault_next = "error500", 1
    response = client.get(reverse("exports:leads") + "?format=csv")
    assert response.status_code == 502
    sandbox.fault_mode, sandbox.fault_next = None, 0


def test_no_personal_data_nor_secret_reaches_the_logs(
    captured_logs: CapturedLogs,
    manager: LoggedIn,
    paris: Agency,
    login,  # type: ignore[no-untyped-def]
    sandbox,  # type: ignore[no-untyped-def]
) -> None:
    session = Session()

    browse_as_manager(session, manager, paris, sandbox)
    # A stranger fails to log in.
    stranger = Client()
    response = stranger.post(
        reverse("login"), {"username": manager.user.username, "password": WRONG_PASSWORD}
    )
    assert response.status_code == 200
    # An agency whose secret is wrong: the API refuses its token.
    wrong = Agency(name="Agence Mauvais Secret", client_id=PARIS_CLIENT[0], base_url=paris.base_url)
    wrong.set_client_secret(WRONG_SECRET)
    wrong.save()
    member = login("agent.wrong")
    Membership.objects.create(user=member.user, agency=wrong, role="agent")
    assert member.client.get(reverse("dashboard:leads")).status_code == 502
    # The personal data of everything on screen and in the files, read through the API client.
    known = {lead.lead_id: lead for lead in leads_of(paris, LeadFamily.ALL, window(31))}
    api = get_client(paris.api_credentials())
    for lead_id in session.lead_ids - set(known):
        with contextlib.suppress(LeadsApiNotFound):
            known[lead_id] = api.get_lead(lead_id)
    seen = [known[lead_id] for lead_id in session.lead_ids if lead_id in known]
    data = personal_data(seen)
    secrets = {
        PARIS_CLIENT[1],
        WRONG_SECRET,
        WRONG_PASSWORD,
        base64.b64encode(f"{PARIS_CLIENT[0]}:{PARIS_CLIENT[1]}".encode()).decode(),
        base64.b64encode(f"{PARIS_CLIENT[0]}:{WRONG_SECRET}".encode()).decode(),
        api._access_token(),  # the token of the session, still cached
    }

    text = captured_logs.text()

    assert session.files == 5
    # The search below is not vacuous: every lead seen was read back, with its data.
    assert len(seen) == len(session.lead_ids) > 4 * DETAILS_PER_TYPE
    assert len(data) >= 3 * len(seen)
    assert len(captured_logs.handler.lines) >= 200
    leaked = sorted(value for value in data if value in text)
    assert leaked == [], f"personal data in the logs: {leaked[:20]}"
    assert [secret for secret in secrets if secret in text] == []


def test_the_capture_sees_every_logger_and_thread(captured_logs: CapturedLogs) -> None:
    """The search above would be vacuous if the capture missed DEBUG records, loggers that do
    not propagate, extra fields, or records of other threads (exports fetch pages in threads)."""
    logging.getLogger("leadsportal.dashboard.views").debug("x", extra={"contact": "Zoé Núñez"})
    logging.getLogger("django.request").error("y", extra={"note": 'dit "bonjour"\nà demain'})
    worker = threading.Thread(target=logging.getLogger("urllib3").debug, args=("0612345678",))
    worker.start()
    worker.join()

    text = captured_logs.text()

    for value in ("Zoé Núñez", 'dit "bonjour"\nà demain', "0612345678"):
        assert value in text


QUERY_MARK = "QsMark7c1"  # in every query string and form value below, nowhere else


def test_no_query_string_nor_form_value_reaches_the_logs_on_4xx_and_5xx(
    captured_logs: CapturedLogs,
    manager: LoggedIn,
    agent: LoggedIn,
    paris: Agency,
    sandbox,  # type: ignore[no-untyped-def]
) -> None:
    """Django's own loggers (django.request, django.security.csrf) write the path of every
    4xx/5xx; with the production formatter, never its query string nor a form's values."""
    lead_id = leads_of(paris, LeadFamily.ALL, window(30))[0].lead_id
    mark = QUERY_MARK
    statuses = []
    for client, method, path, data in (
        (manager.client, "get", f"/leads/?start={mark}&status=contacte", None),  # 400
        (manager.client, "get", f"/leads/vendeurs/?portal={mark}", None),  # 400
        (manager.client, "get", f"/exports/leads/?format=csv&start=2026-13-45&q={mark}", None),
        (manager.client, "get", f"/lead/not-a-lead-{mark[:3]}/?back=/leads/?q={mark}", None),
        (agent.client, "get", f"/exports/leads/?format=csv&end={mark}", None),  # 403
        (agent.client, "get", f"/agence/acces/?lead={mark}", None),  # 403
        (manager.client, "post", f"/leads/?page={mark}", {"note": mark}),  # 405
        (manager.client, "get", f"/introuvable/?q={mark}", None),  # 404
    ):
        statuses.append(getattr(client, method)(path, data).status_code)
    # A form posted without its CSRF token: django.security.csrf speaks.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager.user)
    statuses.append(
        strict.post(
            f"/lead/{lead_id}/suivi/notes/?from={mark}", {"body": f"Mme {mark} rappelle"}
        ).status_code
    )
    # The upstream fails: a 502 with its query string.
    sandbox.fault_mode, sandbox.fault_next = "error500", 1
    statuses.append(manager.client.get(f"/leads/?page=3&portal=SLG-FRA&x={mark}").status_code)
    sandbox.fault_mode, sandbox.fault_next = None, 0
    # A note is saved: its text is a form value too.
    note = manager.client.post(f"/lead/{lead_id}/suivi/notes/", {"body": f"Mme {mark} rappelle"})
    statuses.append(note.status_code)

    assert sorted(set(statuses)) == [303, 400, 403, 404, 405, 502]
    text = captured_logs.production_text()
    # Not vacuous: Django's loggers wrote the paths of those answers.
    assert any('"logger": "django.request"' in line for line in captured_logs.handler.lines)
    assert any('"logger": "django.security.csrf"' in line for line in captured_logs.handler.lines)
    assert "/suivi/notes/" in text
    assert mark not in text


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_logs_no_personal_data_of_the_leads_it_announces(
    paris: Agency,
    add_lead,  # type: ignore[no-untyped-def]
    sandbox,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    """A `leads_worker` process at LOG_LEVEL=DEBUG polls the agency, indexes and announces new
    leads, assigns them, meets upstream faults: its whole output holds none of their data."""
    paris.assignment_rule = Agency.AssignmentRule.ROUND_ROBIN
    paris.save()
    agency_poll(agency=paris)  # the baseline: what is there already is not news
    for job in ("reread", "purge"):
        lease_take(job, slot_of(timezone.now(), 86_400))
    contacts = [
        {
            "firstName": "Zéphyrine",
            "lastName": "Quatremain",
            "email": "zephyrine.quatremain@example.org",
            "phoneNumbers": [{"number": "+33671829304", "type": "MOBILE", "isVerified": False}],
            "message": "Bonjour, je souhaite visiter l'appartement du troisième étage samedi.",
        },
        {
            "firstName": "Anatole",
            "lastName": "Brisebarre",
            "email": "a.brisebarre@example.net",
            "phoneNumbers": [{"number": "0698765432", "type": "MOBILE", "isVerified": False}],
            "message": "Pouvez-vous me rappeler après dix-huit heures au sujet du pavillon ?",
        },
    ]
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "LEADS_WATCH_INTERVAL": "2",
        "LEADS_TASKS_QUEUE": f"leadsportal-test-{uuid.uuid4().hex[:8]}",
        "LEADS_TASKS_SQLITE": str(tmp_path / "tasks.sqlite3"),
        "LOG_LEVEL": "DEBUG",
    }
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, str(MANAGE), "leads_worker", "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            time.sleep(4)
            new = [add_lead(contactRequest=contact) for contact in contacts]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if LiveEvent.objects.filter(lead_id__in=new, kind="lead").count() == len(new):
                    break
                time.sleep(0.5)
            # Then the upstream fails for a while: errors and back-off are logged too.
            sandbox.configure(fault_mode="error500", fault_next=6)
            time.sleep(5)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    sandbox.configure(fault_mode=None, fault_next=0)
    output = log_path.read_text(errors="replace")

    assert LiveEvent.objects.filter(lead_id__in=new, kind="lead").count() == len(new)
    assert '"level": "DEBUG"' in output  # not vacuous: the worker spoke at DEBUG
    assert "leads_api call" in output
    seen = [get_client(paris.api_credentials()).get_lead(lead_id) for lead_id in new]
    data = personal_data(seen)
    assert {"Zéphyrine", "Quatremain", "zephyrine.quatremain@example.org"} <= data
    leaked = sorted(value for value in data if value in output)
    assert leaked == [], f"personal data in the worker's log: {leaked}"
