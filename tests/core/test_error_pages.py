"""Error pages read as the rest of the dashboard, in French, under the strict CSP."""

from __future__ import annotations

from django.test import Client


def test_a_csrf_failure_explains_itself_without_inline_style(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    response = client.post("/suivi/tout-lu/", {})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Ce formulaire a expiré" in html
    assert "<style" not in html


def test_an_unknown_page_is_a_french_404(agent, settings):
    settings.DEBUG = False
    response = agent.client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
