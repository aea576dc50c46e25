"""Dashboard pages require a login and an agency; a user switches between their own agencies."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadsportal.agencies.access import SESSION_KEY

SWITCH_URL = "/agence/changer"


@pytest.fixture
def paris(make_agency):
    return make_agency("Agence Paris Démo")


@pytest.fixture
def lyon(make_agency):
    return make_agency("Agence Lyon Démo", client_id="agence-lyon-demo", secret="lyon-demo-secret")


@pytest.fixture
def other(make_agency):
    return make_agency("Agence Marseille", client_id="marseille", secret="m")


def test_it_sends_anonymous_visitors_to_the_login_page(client, probe_urls, db):
    response = client.get(probe_urls + "?since=2026-01-01")

    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/test-probe/%3Fsince%3D2026-01-01"


def test_it_reloads_the_whole_page_to_log_in_from_an_htmx_request(client, probe_urls, db):
    response = client.get(probe_urls, headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == "/connexion/?next=/test-probe/"


def test_it_shows_a_clear_page_to_a_user_without_agency(client, probe_urls, make_user):
    client.force_login(make_user("nobody"))

    response = client.get(probe_urls)

    assert response.status_code == 403
    body = html.unescape(response.content.decode())
    assert "Aucune agence n'est associée à votre compte" in body
    assert "« nobody » n'est rattaché à aucune agence" in body
    assert 'id="probe"' not in body


def test_it_puts_the_only_agency_on_the_request(client, probe_urls, make_user, paris):
    client.force_login(make_user(memberships={paris: "agent"}))

    response = client.get(probe_urls)

    body = response.content.decode()
    assert response.status_code == 200
    assert "agency=Agence Paris Démo role=agent manager=False" in body
    assert 'class="header-agency__name">Agence Paris Démo<' in body
    assert "agency-switch" not in body  # nothing to switch to


def test_it_picks_the_first_agency_by_name_then_switches(
    client, probe_urls, make_user, paris, lyon
):
    client.force_login(make_user(memberships={paris: "manager", lyon: "agent"}))

    first = client.get(probe_urls).content.decode()
    assert "agency=Agence Lyon Démo role=agent manager=False" in first
    assert f'<option value="{paris.pk}">Agence Paris Démo</option>' in first
    assert f'<option value="{lyon.pk}" selected>Agence Lyon Démo</option>' in first

    response = client.post(SWITCH_URL, {"agency": paris.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == paris.pk

    after = client.get(probe_urls).content.decode()
    assert "agency=Agence Paris Démo role=manager manager=True" in after
    assert "Agence courante : Agence Paris Démo." in after  # the confirmation message
    # The choice sticks for the session.
    assert "agency=Agence Paris Démo" in client.get(probe_urls).content.decode()


def test_it_refuses_to_switch_to_another_agency(client, probe_urls, make_user, paris, lyon, other):
    client.force_login(make_user(memberships={paris: "agent", lyon: "agent"}))

    response = client.post(SWITCH_URL, {"agency": other.pk})

    assert response.status_code == 403
    assert "Vous n'êtes pas membre de cette agence." in html.unescape(response.content.decode())
    assert SESSION_KEY not in client.session
    assert "agency=Agence Lyon Démo" in client.get(probe_urls).content.decode()


@pytest.mark.parametrize("value", ["", "abc", "-1", "1e3", "9999999999999999999999"])
def test_it_answers_bad_switch_input_with_a_message(client, make_user, paris, lyon, value):
    client.force_login(make_user(memberships={paris: "agent", lyon: "agent"}))

    response = client.post(SWITCH_URL, {"agency": value})

    assert response.status_code in (400, 403)
    assert 'class="banner banner--error"' in response.content.decode()
    assert SESSION_KEY not in client.session


def test_it_falls_back_when_the_remembered_agency_is_no_longer_the_users(
    client, probe_urls, make_user, paris, lyon
):
    user = make_user(memberships={paris: "agent", lyon: "agent"})
    client.force_login(user)
    client.post(SWITCH_URL, {"agency": paris.pk})
    user.memberships.filter(agency=paris).delete()

    assert "agency=Agence Lyon Démo" in client.get(probe_urls).content.decode()


def test_it_only_switches_with_post_and_a_login(client, make_user, paris):
    assert client.get(SWITCH_URL).status_code == 405
    response = client.post(SWITCH_URL, {"agency": paris.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_it_refuses_a_switch_without_csrf_token(make_user, paris, lyon):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user(memberships={paris: "agent", lyon: "agent"}))

    assert csrf_client.post(SWITCH_URL, {"agency": paris.pk}).status_code == 403
    assert SESSION_KEY not in csrf_client.session


def test_it_loads_the_memberships_in_one_query_per_page(client, probe_urls, make_user, paris, lyon):
    client.force_login(make_user(memberships={paris: "manager", lyon: "agent"}))
    client.get(probe_urls)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(probe_urls)

    assert response.status_code == 200
    membership_queries = [q for q in queries if "agencies_membership" in q["sql"]]
    agency_queries = [q for q in queries if "agencies_agency" in q["sql"]]
    assert len(membership_queries) == 1
    assert agency_queries == membership_queries  # agencies come with the same join


def test_it_tells_the_request_log_which_agency_was_used(
    client, probe_urls, make_user, paris, lyon, caplog
):
    client.force_login(make_user(memberships={paris: "agent", lyon: "agent"}))
    client.post(SWITCH_URL, {"agency": paris.pk})

    caplog.clear()
    with caplog.at_level("INFO", logger="leadsportal.request"):
        client.get(probe_urls)

    (record,) = [r for r in caplog.records if r.name == "leadsportal.request"]
    assert record.agency_id == paris.pk
    assert record.route == "agency-probe"


def test_a_non_ascii_digit_agency_is_a_message_not_an_error(client, make_agency, make_user):
    agency = make_agency()
    user = make_user(memberships={agency: "agent"})
    client.force_login(user)
    response = client.post("/agence/changer", {"agency": "²"})
    assert response.status_code == 400
