"""The base layout: French by default, English on request, htmx-ready, strict-CSP clean."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"


@pytest.fixture
def page(client, probe_urls, make_user, make_agency):
    paris = make_agency("Agence Paris Démo")
    lyon = make_agency("Agence Lyon Démo", client_id="agence-lyon-demo")
    client.force_login(make_user("multi", memberships={paris: "manager", lyon: "agent"}))
    response = client.get(probe_urls)
    assert response.status_code == 200
    return response


def test_it_sends_the_csrf_token_with_every_htmx_request(page):
    body = page.content.decode()
    # The token, and the agency the page was rendered for (one agency per tab).
    token = re.search(
        r"<body hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\", \"X-Leadsportal-Agency\": \"\d+\"\}'>",
        body,
    )
    assert token is not None
    # The same token as the plain forms of the page: htmx requests pass the CSRF check.
    assert f'name="csrfmiddlewaretoken" value="{token.group(1)}"' in body
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false' in body


def test_it_has_no_inline_script_or_style(page):
    body = page.content.decode()
    assert " style=" not in body
    assert "<style" not in body
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", body, flags=re.S)
    assert scripts == ["", "", ""]  # htmx, its SSE extension and app.js: static files
    assert "http://" not in body.replace("http://testserver", "")  # no CDN
    assert "https://" not in body
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_it_shows_the_header_controls(page):
    body = html.unescape(page.content.decode())
    assert 'action="/agence/changer"' in body and 'name="agency"' in body
    assert ">Changer d'agence</button>" in body
    assert 'action="/i18n/setlang/"' in body
    assert '<option value="en" lang="en">EN</option>' in body
    assert 'class="badge badge--agent">Agent<' in body  # role in Lyon, the first by name
    assert "Se déconnecter" in body
    assert "leadsportal" in body


def test_it_switches_the_interface_to_english(client, page, probe_urls):
    response = client.post("/i18n/setlang/", {"language": "en", "next": probe_urls})
    assert response.status_code == 302

    body = html.unescape(client.get(probe_urls).content.decode())
    assert '<html lang="en">' in body
    assert "Log out" in body
    assert "Switch agency" in body

    client.post("/i18n/setlang/", {"language": "fr", "next": probe_urls})
    assert "Se déconnecter" in client.get(probe_urls).content.decode()


def test_it_shows_pages_in_english_including_the_no_agency_page(client, probe_urls, make_user):
    client.force_login(make_user("nobody"))
    client.post("/i18n/setlang/", {"language": "en", "next": probe_urls})

    body = html.unescape(client.get(probe_urls).content.decode())

    assert "No agency is linked to your account" in body


def test_it_ships_htmx_2_and_the_stylesheet_locally():
    htmx = (STATIC / "vendor/htmx/htmx.min.js").read_text()
    assert re.search(r'version:"2\.\d+\.\d+"', htmx)
    assert (STATIC / "vendor/htmx/LICENSE").exists()
    css = (STATIC / "css/app.css").read_text()
    for selector in (
        ".table-scroll",
        ".htmx-indicator",
        ".htmx-request",
        ".tabs",
        ".badge",
        ".banner--error",
        ".pagination",
    ):
        assert selector in css
    assert re.search(r"\.table-scroll \{[^}]*overflow-x: auto", css)
    assert "@import" not in css and "url(http" not in css
