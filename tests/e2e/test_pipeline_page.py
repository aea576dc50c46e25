"""Browser checks of the pipeline (issue 17): a manager edits the stages and the lost reasons
from the agency's settings; an agent marks a lead "Perdu" and must say why; on a desktop and
on a phone, in French and in English, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leadsportal.followup.models import LeadFollowup
from leadsportal.followup.pipeline import pipeline_of
from tests.e2e.helpers import htmx_swap, overflowing_elements, page_scrolls_sideways
from tests.e2e.test_accessibility import violations
from tests.e2e.test_phone_layout import PHONE

pytestmark = pytest.mark.browser

PARIS = "agence-paris-demo"
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
SCREENS = {
    "desktop": DESKTOP,
    "laptop": {"viewport": {"width": 1280, "height": 800}},
    "phone": PHONE,
}


def in_english(page: Page, base_url: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])


def expected_refusal(browse, path: str) -> None:  # type: ignore[no-untyped-def]
    """Chromium logs a page's (intended) 400 status as a console error: that one is expected."""
    refused = [p for p in browse.problems if "status of 400" in p and path in p]
    assert len(refused) == 1, browse.problems
    browse.problems.remove(refused[0])


def fits(page: Page) -> None:
    assert not page_scrolls_sideways(page), overflowing_elements(page)


def stage_row(page: Page, code: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid="stage-row"][data-code="{code}"]')


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_manager_edits_the_pipeline_from_the_settings(browse, paris, make_member, screen):
    manager = make_member("manager.paris", (paris, "manager"))
    page = browse(manager, path="/agence/reglages/", **SCREENS[screen])
    page.get_by_test_id("pipeline-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Étapes du suivi")
    expect(page.get_by_test_id("stage-row")).to_have_count(7)
    fits(page)

    # Rename, in place (htmx): the message says it, the focus stays on the button.
    row = stage_row(page, "rendez-vous")
    row.get_by_test_id("stage-name").fill("Premier rendez-vous")
    with htmx_swap(page):
        row.get_by_role("button", name="Renommer").click()
    expect(page.get_by_test_id("pipeline-saved")).to_have_text(
        "Étape renommée « Premier rendez-vous »."
    )
    expect(stage_row(page, "rendez-vous").get_by_test_id("stage-name")).to_have_value(
        "Premier rendez-vous"
    )

    # Up: "Visite" before the appointment; the first stage after "Nouveau" cannot go up.
    with htmx_swap(page):
        stage_row(page, "visite").get_by_role("button", name="Monter « Visite »").click()
    codes = page.get_by_test_id("stage-row").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes[:4] == ["nouveau", "contacte", "visite", "rendez-vous"]
    expect(
        stage_row(page, "contacte").get_by_role("button", name="Monter « Contacté »")
    ).to_be_disabled()

    # Add a stage and a reason; a duplicate is refused with a message.
    adding = page.get_by_test_id("stage-add")
    adding.get_by_label("Nouvelle étape").fill("Estimation")
    with htmx_swap(page):
        adding.get_by_role("button", name="Ajouter l'étape").click()
    expect(page.get_by_test_id("pipeline-saved")).to_have_text("Étape « Estimation » ajoutée.")
    expect(stage_row(page, "estimation")).to_be_visible()
    reasons = page.get_by_test_id("reason-add")
    reasons.get_by_label("Nouvelle raison").fill("injoignable")
    with htmx_swap(page):
        reasons.get_by_role("button", name="Ajouter la raison").click()
    expect(page.get_by_test_id("pipeline-error")).to_have_text(
        "La raison « injoignable » est déjà dans la liste."
    )
    page.get_by_test_id("reason-add").get_by_label("Nouvelle raison").fill("Vendu ailleurs")
    with htmx_swap(page):
        page.get_by_test_id("reason-add").get_by_role("button", name="Ajouter la raison").click()
    expect(page.get_by_test_id("reason-row")).to_have_count(5)
    fits(page)
    assert violations(page) == []
    browse.screenshot(page, "fr")
    assert [stage.name for stage in pipeline_of(paris)][:4] == [
        "Nouveau",
        "Contacté",
        "Visite",
        "Premier rendez-vous",
    ]

    # In English: the default names are translated, the agency's own words stay as written.
    in_english(page, browse.base_url)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("stage-row")).to_have_count(8)
    fits(page)
    browse.screenshot(page, "en")


def test_the_pipeline_editor_works_without_javascript(browse, paris, make_member):
    manager = make_member("manager.paris", (paris, "manager"))
    page = browse(manager, path="/agence/suivi/", java_script_enabled=False, **DESKTOP)
    stage_row(page, "offre").get_by_role("button", name="Descendre « Offre »").click()
    expect(page.get_by_text("Étape « Offre » déplacée.")).to_be_visible()
    assert [stage.code for stage in pipeline_of(paris)][4:6] == ["mandat", "offre"]
    page.get_by_test_id("stage-add").get_by_label("Nouvelle étape").fill("")
    page.get_by_test_id("stage-add").get_by_role("button", name="Ajouter l'étape").click()
    expect(page.get_by_test_id("pipeline-error")).to_have_text("Donnez un nom à l'étape.")
    expected_refusal(browse, "/agence/suivi/")


@pytest.mark.parametrize("screen", list(SCREENS))
def test_an_agent_marks_a_lead_lost_with_its_reason(browse, paris, make_member, sandbox, screen):
    agent = make_member("agent.paris", (paris, "agent"))
    lead_id = sandbox.add_lead(PARIS, lead_type="SELLER")
    page = browse(agent, path=f"/lead/{lead_id}/", **SCREENS[screen])
    panel = page.get_by_test_id("followup-panel")
    status = panel.get_by_label("Statut", exact=True)
    reason = panel.get_by_test_id("lost-reason-field")
    expect(reason).to_be_hidden()  # shown only once a "lost" stage is chosen
    status.select_option("perdu")
    expect(reason).to_be_visible()

    # No reason: refused, said beside the field.
    with htmx_swap(page):
        panel.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_test_id("lost-reason-error")).to_contain_text(
        "Choisissez pourquoi le lead est « Perdu »"
    )
    assert not LeadFollowup.objects.filter(lead_id=lead_id, status="perdu").exists()

    panel = page.get_by_test_id("followup-panel")
    panel.get_by_label("Raison de la perte").select_option(label="Injoignable")
    with htmx_swap(page):
        panel.get_by_role("button", name="Enregistrer le statut").click()
    panel = page.get_by_test_id("followup-panel")
    expect(panel.get_by_test_id("followup-saved")).to_have_text(
        "Statut enregistré : Perdu — Injoignable."
    )
    expect(page.locator("#followup-title").get_by_test_id("status-badge")).to_have_text(
        "Perdu — Injoignable"
    )
    expect(panel.get_by_label("Raison de la perte")).to_be_visible()
    fits(page)
    assert violations(page) == []
    browse.screenshot(page, "lost")
    followup = LeadFollowup.objects.get(lead_id=lead_id)
    assert followup.status == "perdu" and followup.lost_reason.label == "Injoignable"

    # Back on the list, the row says it too.
    page.goto("/leads/vendeurs/?status=perdu")
    expect(page.locator(f'[data-lead-id="{lead_id}"]').get_by_test_id("status-badge")).to_have_text(
        "Perdu — Injoignable"
    )

    in_english(page, browse.base_url)
    page.goto(f"/lead/{lead_id}/")
    expect(page.locator("#followup-title").get_by_test_id("status-badge")).to_contain_text(
        "Injoignable"
    )
    fits(page)
    browse.screenshot(page, "lost-en")


def test_a_lost_lead_without_javascript(browse, paris, make_member, sandbox):
    agent = make_member("agent.paris", (paris, "agent"))
    lead_id = sandbox.add_lead(PARIS, lead_type="SELLER")
    page = browse(agent, path=f"/lead/{lead_id}/", java_script_enabled=False, **DESKTOP)
    panel = page.get_by_test_id("followup-panel")
    panel.get_by_label("Statut", exact=True).select_option("perdu")
    panel.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_test_id("lost-reason-error")).to_be_visible()
    expected_refusal(browse, "/suivi/statut/")
    page.get_by_label("Statut", exact=True).select_option("perdu")
    page.get_by_label("Raison de la perte").select_option(label="Hors secteur")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.locator("#followup-title").get_by_test_id("status-badge")).to_have_text(
        "Perdu — Hors secteur"
    )
