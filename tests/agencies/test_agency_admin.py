"""Admin for agencies, members and users: the secret is write-only, connections can be tested."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from leadsportal.agencies.models import Agency, Membership

SECRET = "paris-demo-secret"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def admin_client_fr(make_user) -> Client:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def agency(make_agency, make_user):
    agency = make_agency(secret=SECRET)
    make_user("alice", memberships={agency: "manager"})
    return agency


def _pages(agency: Agency, user_pk: int) -> list[str]:
    return [
        "/admin/",
        "/admin/agencies/agency/",
        "/admin/agencies/agency/add/",
        f"/admin/agencies/agency/{agency.pk}/change/",
        f"/admin/agencies/agency/{agency.pk}/history/",
        f"/admin/agencies/agency/{agency.pk}/delete/",
        "/admin/agencies/membership/",
        f"/admin/agencies/membership/{Membership.objects.first().pk}/change/",
        f"/admin/auth/user/{user_pk}/change/",
    ]


def test_it_never_renders_the_secret_nor_its_ciphertext(admin_client_fr, agency):
    token = agency.client_secret_encrypted
    user_pk = Membership.objects.get().user_id

    for url in _pages(agency, user_pk):
        response = admin_client_fr.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET not in body, url
        assert token not in body and token[:40] not in body, url

    change = text(admin_client_fr.get(f"/admin/agencies/agency/{agency.pk}/change/"))
    assert 'type="password"' in change
    assert "Défini — saisissez une nouvelle valeur pour le remplacer" in change


def _change_data(agency: Agency, **overrides: str) -> dict[str, str]:
    data = {
        "name": agency.name,
        "upstream": agency.upstream,
        "client_id": agency.client_id,
        "client_secret": "",
        "base_url": agency.base_url,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_it_keeps_the_secret_when_the_field_is_left_blank(admin_client_fr, agency):
    response = admin_client_fr.post(
        f"/admin/agencies/agency/{agency.pk}/change/",
        _change_data(agency, client_id="renamed-client"),
    )

    assert response.status_code == 302
    agency = Agency.objects.get(pk=agency.pk)
    assert agency.client_id == "renamed-client"
    assert agency.api_credentials().client_secret == SECRET


def test_it_replaces_the_secret_when_a_new_one_is_typed(admin_client_fr, agency):
    response = admin_client_fr.post(
        f"/admin/agencies/agency/{agency.pk}/change/",
        _change_data(agency, client_secret="brand-new-secret"),
    )

    assert response.status_code == 302
    assert Agency.objects.get(pk=agency.pk).api_credentials().client_secret == "brand-new-secret"


def test_it_does_not_echo_a_typed_secret_when_the_form_has_errors(admin_client_fr, agency):
    response = admin_client_fr.post(
        f"/admin/agencies/agency/{agency.pk}/change/",
        _change_data(agency, client_secret="typed-but-invalid-form", base_url="not a url"),
    )

    assert response.status_code == 200
    assert "typed-but-invalid-form" not in response.content.decode()


def test_it_requires_a_secret_for_a_new_agency(admin_client_fr, db):
    data = _change_data(Agency(name="Agence Nice", client_id="nice"))

    response = admin_client_fr.post("/admin/agencies/agency/add/", data)
    assert response.status_code == 200
    assert not Agency.objects.filter(name="Agence Nice").exists()

    data["client_secret"] = "nice-secret"
    response = admin_client_fr.post("/admin/agencies/agency/add/", data)
    assert response.status_code == 302
    assert Agency.objects.get(name="Agence Nice").api_credentials().client_secret == "nice-secret"


def test_it_shows_memberships_on_the_user_page(admin_client_fr, agency):
    user_pk = Membership.objects.get().user_id

    body = text(admin_client_fr.get(f"/admin/auth/user/{user_pk}/change/"))

    assert "memberships-0-agency" in body
    assert 'value="manager" selected' in body


def _test_connection(client: Client, *agencies: Agency) -> str:
    response = client.post(
        "/admin/agencies/agency/",
        {"action": "test_connection", "_selected_action": [a.pk for a in agencies]},
        follow=True,
    )
    assert response.status_code == 200
    return text(response)


def test_it_reports_a_working_connection(admin_client_fr, make_agency, sandbox, sandbox_server):
    agency = make_agency(
        "Agence Paris Sandbox", secret="paris-demo-secret", base_url=sandbox_server.sandbox_url
    )

    body = _test_connection(admin_client_fr, agency)

    assert "« Agence Paris Sandbox » : connexion réussie" in body
    assert sandbox.token_requests("agence-paris-demo") == 1


def test_it_reports_rejected_credentials_in_plain_words(
    admin_client_fr, make_agency, sandbox, sandbox_server
):
    good = make_agency(
        "Agence Lyon Sandbox",
        client_id="agence-lyon-demo",
        secret="lyon-demo-secret",
        base_url=sandbox_server.sandbox_url,
    )
    bad = make_agency(
        "Agence Mauvais Secret", secret="not-the-secret-42", base_url=sandbox_server.sandbox_url
    )

    body = _test_connection(admin_client_fr, good, bad)

    assert "« Agence Lyon Sandbox » : connexion réussie" in body
    assert "« Agence Mauvais Secret » : échec de la connexion." in body
    assert "identifiants API de l'agence ont été refusés" in body
    assert "not-the-secret-42" not in body


def test_it_reports_an_unreachable_api(admin_client_fr, make_agency, sandbox):
    agency = make_agency("Agence Injoignable", base_url="http://127.0.0.1:9/sandbox")

    body = _test_connection(admin_client_fr, agency)

    assert "« Agence Injoignable » : échec de la connexion." in body
    assert "momentanément indisponible" in body


def test_a_seeker_agency_saved_in_the_admin_registers_its_webhook(
    admin_client_fr, bordeaux, seeker_state, settings
):
    # The admin is reached at http://testserver/ here: the sandbox may call that host.
    settings.SEEKER_SANDBOX_WEBHOOK_HOSTS = ["testserver"]
    data = _change_data(
        bordeaux, upstream="seeker_v1", intermediary_id="RC-42", base_url=bordeaux.base_url
    )
    response = admin_client_fr.post(f"/admin/agencies/agency/{bordeaux.pk}/change/", data)
    assert response.status_code == 302
    bordeaux.refresh_from_db()
    assert bordeaux.intermediary_id == "RC-42" and bordeaux.webhook_subscription_id
    assert seeker_state.active_subscriptions("agence-bordeaux-demo") == 1
    page = text(admin_client_fr.get(response["Location"]))
    assert "webhook enregistré auprès de Seeker Leads" in page
    change = text(admin_client_fr.get(f"/admin/agencies/agency/{bordeaux.pk}/change/"))
    assert "Enregistré (abonnement" in change
    assert bordeaux.webhook_secret() not in change


def test_an_intermediary_id_is_refused_for_a_gsl_agency(admin_client_fr, agency):
    response = admin_client_fr.post(
        f"/admin/agencies/agency/{agency.pk}/change/",
        _change_data(agency, intermediary_id="RC-42"),
    )
    assert response.status_code == 200
    assert "ne sert qu'à AVIV Seeker Leads" in text(response)
