"""axe-core on every page type (issue 14), desktop and phone, French and English.

Each journey opens one page of each type a person meets (signed out, an agent's and a manager's
pages, the lists with their filters in error, a lead of another agency, the error pages), runs
axe-core (the `axe-playwright-python` package: axe's own rules, WCAG 2 A/AA and best practices)
and fails with every violation found, named by page. Menus and folds are checked open as well
as closed, since what they hide is not checked while hidden.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from leadsportal.dashboard.models import SavedView
from leadsportal.exports.models import ExportRecord, ExportStatus
from leadsportal.leads_api import LeadFamily
from tests.e2e.helpers import expected_page

pytestmark = pytest.mark.browser

AXE = Axe()
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
LANGUAGES = ("fr", "en")


def violations(page: Page) -> list[str]:
    """axe's violations on the page as it is now, one line per rule and element."""
    results = AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            found.append(
                f"{violation['id']} ({violation['impact']}): {node['target']} — {violation['help']}"
            )
    return found


class Audit:
    """Opens pages in one browser context and collects axe's findings, by page."""

    def __init__(self, page: Page, browsing: Any) -> None:
        self.page = page
        self.browsing = browsing
        self.findings: dict[str, list[str]] = {}

    def check(self, label: str) -> None:
        # What loads after the page (the tabs' counts, the live stream's first state) is part
        # of what a person meets.
        self.page.wait_for_load_state("networkidle")
        found = violations(self.page)
        if found:
            self.findings[label] = found
        self.browsing.screenshot(self.page, label)

    def visit(self, label: str, path: str, *, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == status, f"{path} answered {response.status}"
        if status >= 400:
            # Chromium reports an answer in error on the console: expected for this page.
            refused = [p for p in self.browsing.problems if f"status of {status}" in p]
            assert len(refused) == 1, self.browsing.problems
            self.browsing.problems.remove(refused[0])
        self.check(label)

    def report(self) -> str:
        return "\n".join(
            f"{label}:\n" + "\n".join(f"  - {line}" for line in lines)
            for label, lines in self.findings.items()
        )


def _language(page: Page, base_url: str, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("device", VIEWPORTS)
def test_every_page_type_passes_axe(
    browse, live_server, paris, lyon, make_member, sandbox, device, language
):
    # The manager works in Lyon (the agency the dashboard opens first) and belongs to Paris too.
    manager = make_member("manager.lyon", (lyon, "manager"), (paris, "agent"))
    listed = expected_page(lyon)
    lead = next(lead for lead in listed.leads if lead.classified and not lead.contact.is_erased)
    other_agency_lead = expected_page(paris).leads[0]
    name_word = (lead.contact.full_name or "").split()[-1]
    SavedView.objects.create(
        user=manager, agency=lyon, name="Vendeurs du mois", url="/leads/vendeurs/"
    )
    now = timezone.now()
    for status, rows in ((ExportStatus.COMPLETED, 120), (ExportStatus.INCOMPLETE, 40)):
        ExportRecord.objects.create(
            user=manager,
            username=manager.username,
            agency=lyon,
            agency_name=lyon.name,
            family=LeadFamily.ALL.value,
            format="csv",
            expected_count=120,
            row_count=rows,
            status=status,
            finished_at=now,
            duration=timedelta(seconds=3),
        )

    # Signed out.
    visitor = browse(**VIEWPORTS[device])
    _language(visitor, live_server.url, language)
    audit = Audit(visitor, browse)
    audit.visit("login", "/connexion/")
    audit.visit("password-reset", "/mot-de-passe/oublie/")

    # Signed in.
    page = browse(manager, **VIEWPORTS[device])
    _language(page, live_server.url, language)
    audit.page = page
    for slug in ("", "annonces/", "agence/", "vendeurs/", "recherches/"):
        audit.visit(f"list-{slug.strip('/') or 'all'}", f"/leads/{slug}")
    audit.visit("list-filter-errors", "/leads/?start=31/02/2026&portal=nowhere", status=400)

    audit.visit("list-export-menu", "/leads/")
    page.get_by_test_id("export-menu").first.locator("summary").click()
    expect(page.get_by_test_id("export-menu").first).to_have_attribute("open", "")
    audit.check("list-export-menu")

    audit.visit("list-bulk-bar", "/leads/")
    page.locator("#results input.row-select").first.check()
    expect(page.get_by_test_id("bulk-bar")).to_have_attribute("open", "")
    page.get_by_test_id("bulk-bar").get_by_label("Action").select_option("stage")
    audit.check("list-bulk-bar")
    if device == "phone":
        audit.visit("header-menu", "/leads/")
        page.get_by_test_id("header-menu").locator("summary").click()
        audit.check("header-menu")

    audit.visit("lead-detail", f"/lead/{lead.lead_id}/")
    audit.visit("lead-same-contact", f"/lead/{lead.lead_id}/meme-contact/")
    audit.visit("lead-other-agency", f"/lead/{other_agency_lead.lead_id}/", status=404)
    assert lead.classified is not None
    audit.visit("listing", f"/annonces/{lead.classified.classified_id}/leads/")
    audit.visit("search", f"/recherche/?q={name_word}")
    audit.visit("search-nothing", "/recherche/?q=zzzzqqq")
    audit.visit("statistics", "/statistiques/")
    audit.visit("to-call-back", "/a-rappeler/")
    audit.visit("pipeline-editor", "/agence/suivi/")
    audit.visit("saved-views", "/vues/")
    audit.visit("export-history", "/exports/historique/")
    audit.visit("access-record", "/agence/acces/")
    audit.visit("agency-settings", "/agence/reglages/")
    audit.visit("team", "/agence/equipe/")
    audit.visit("account", "/mon-compte/")
    audit.visit("two-factor-setup", "/mon-compte/double-authentification/")
    audit.visit("not-found", "/cette-page-n-existe-pas/", status=404)

    assert not audit.findings, (
        f"axe-core found violations ({device}, {language}):\n{audit.report()}"
    )
