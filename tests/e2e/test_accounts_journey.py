"""Journey: a manager invites a colleague from the team page; the colleague opens the e-mail's
link, chooses a password, lands on the dashboard and sets up two-factor login. On a desktop
(1440×900) and on a phone (390×844, nothing scrolls sideways). Screenshots in artifacts/e2e/."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.helpers import overflowing_elements, page_scrolls_sideways

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
NEW_PASSWORD = "Tuile-Orange-Marelle-58"


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_manager_invites_a_colleague_who_joins_and_sets_up_two_factor(
    browse, paris, make_member, live_server, device
):
    options = DESKTOP if device == "desktop" else PHONE
    manager = make_member("manager.paris", (paris, "manager"))
    make_member("agent.paris", (paris, "agent"))

    page = browse(manager, path="/leads/", **options)
    if device == "phone":  # the person's links fold behind "Menu" there
        page.get_by_test_id("header-menu").locator("summary").click()
    page.get_by_role("link", name="Équipe").click()
    expect(page.get_by_role("heading", name="Équipe · Agence Paris Démo")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill("camille@example.fr")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à camille@example.fr.")).to_be_visible()
    expect(page.get_by_test_id("invitation")).to_contain_text("camille@example.fr")
    assert not page_scrolls_sideways(page), overflowing_elements(page)
    browse.screenshot(page, "team")

    link = re.search(r"https?://\S+/invitation/\S+", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    colleague = browse(path=link.group(0), **options)
    expect(colleague.get_by_role("heading", name="Bienvenue sur leadsportal")).to_be_visible()
    browse.screenshot(colleague, "choose-password")
    colleague.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    colleague.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD)
    colleague.get_by_role("button", name="Enregistrer et me connecter").click()
    expect(colleague.get_by_text("Bienvenue ! Votre mot de passe est enregistré")).to_be_visible()

    if device == "phone":
        colleague.get_by_test_id("header-menu").locator("summary").click()
    colleague.get_by_role("link", name="Mon compte").click()
    expect(colleague.get_by_role("heading", name="Mon compte")).to_be_visible()
    assert not page_scrolls_sideways(colleague), overflowing_elements(colleague)
    browse.screenshot(colleague, "account")
    colleague.get_by_role("link", name="Configurer la double authentification").click()
    expect(colleague.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    assert not page_scrolls_sideways(colleague), overflowing_elements(colleague)
    browse.screenshot(colleague, "two-factor-setup")
    key = TOTPDevice.objects.get(user__email="camille@example.fr").bin_key
    colleague.get_by_label("Code à 6 chiffres").fill(f"{totp(key):06d}")
    colleague.get_by_role("button", name="Activer", exact=True).click()
    expect(colleague.get_by_role("status")).to_contain_text("Double authentification activée")
    expect(colleague.get_by_test_id("two-factor")).to_contain_text("activée")

    # Back on the team page: the new member, with two-factor on.
    page.reload()
    row = page.get_by_test_id("team-member").filter(has_text="Camille Martin")
    expect(row).to_contain_text("activée")
    expect(page.get_by_text("Aucune invitation en attente.")).to_be_visible()
