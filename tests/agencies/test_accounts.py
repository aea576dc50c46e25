"""Accounts without the Django admin: a manager invites a colleague by e-mail, changes roles,
deactivates and reactivates members; everyone resets a forgotten password and changes it.

Every e-mail goes by real SMTP to a local aiosmtpd server (the `smtp` fixture); the tests read
the message received, take its link and follow it with a test client, as the person would.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadsportal.agencies import accounts
from leadsportal.agencies.accounts import InvitationTokenGenerator
from leadsportal.agencies.models import Invitation, Membership
from leadsportal.followup.models import LeadFollowup, LeadNote
from tests.fixtures import PASSWORD

TEAM = "/agence/equipe/"
NEW_PASSWORD = "Tuile-Orange-Marelle-58"


def text(response) -> str:
    return html.unescape(response.content.decode())


def follow_text(client: Client, path: str) -> str:
    return text(client.get(path, follow=True))


def invite(client: Client, email: str, role: str = "agent", **names: str):
    return client.post(TEAM + "inviter/", {"email": email, "role": role, **names}, follow=True)


def choose_password(client: Client, link: str, password: str = NEW_PASSWORD):
    form = client.get(link, follow=True)
    assert form.status_code == 200, text(form)
    return client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


@pytest.fixture
def clock(monkeypatch):
    """Moves the invitation links' clock (the token generator's `_now`)."""

    class Clock:
        shift = timedelta()

        def advance(self, **delta: float) -> None:
            self.shift += timedelta(**delta)

    moved = Clock()
    real_now = InvitationTokenGenerator._now
    monkeypatch.setattr(InvitationTokenGenerator, "_now", lambda self: real_now(self) + moved.shift)
    monkeypatch.setattr(accounts, "current_time", lambda: timezone.now() + moved.shift)
    return moved


# --- Invitation -------------------------------------------------------------------------------


def test_an_invited_colleague_chooses_a_password_and_sees_the_agency(manager, paris, smtp):
    page = invite(
        manager.client, "camille.martin@example.fr", first_name="Camille", last_name="Martin"
    )

    assert "Invitation envoyée à camille.martin@example.fr." in text(page)
    message = smtp.last
    assert message["To"] == "camille.martin@example.fr"
    assert message["Subject"] == "Invitation à rejoindre Agence Paris Démo sur leadsportal"
    body = smtp.body(message)
    assert "valable 72 heures" in body and "camille.martin@example.fr" in body
    assert "camille.martin@example.fr" in text(manager.client.get(TEAM))  # pending, listed

    colleague = Client()
    welcome = choose_password(colleague, smtp.link())

    assert welcome.status_code == 200
    page = text(welcome)
    assert "Bienvenue ! Votre mot de passe est enregistré" in page
    assert "Agence Paris Démo" in page  # the dashboard of the agency, logged in
    assert ">Camille Martin<" in page
    # The invitation is gone; the person is a member, and logs in with their address.
    team = text(manager.client.get(TEAM))
    assert "Aucune invitation en attente." in team
    colleague.post(reverse("logout"))
    again = colleague.post(
        "/connexion/", {"username": "camille.martin@example.fr", "password": NEW_PASSWORD}
    )
    assert again.status_code == 302


def test_an_invitation_link_expires_after_72_hours(manager, paris, smtp, clock):
    invite(manager.client, "late@example.fr")
    link = smtp.link()

    clock.advance(hours=72, minutes=1)
    page = Client().get(link)

    assert page.status_code == 410
    body = text(page)
    assert "Ce lien d'invitation a expiré" in body
    assert "Demandez à un responsable de votre agence de vous renvoyer une invitation" in body
    # The manager sees it and can send a new one.
    assert "lien expiré" in text(manager.client.get(TEAM))


def test_an_invitation_link_works_until_72_hours(manager, paris, smtp, clock):
    invite(manager.client, "on-time@example.fr")
    clock.advance(hours=71, minutes=50)

    assert "Bienvenue !" in text(choose_password(Client(), smtp.link()))


def test_an_invitation_link_works_once(manager, paris, smtp):
    invite(manager.client, "once@example.fr")
    link = smtp.link()
    choose_password(Client(), link)

    second = Client().get(link)

    assert second.status_code == 410
    assert "Ce lien d'invitation a expiré" in text(second)


def test_a_password_the_validators_refuse_is_not_saved(manager, paris, smtp):
    invite(manager.client, "weak@example.fr")
    colleague = Client()

    page = choose_password(colleague, smtp.link(), password="123")

    assert page.status_code == 400
    assert "Ce mot de passe est trop court" in text(page)
    assert not get_user_model().objects.get(email="weak@example.fr").has_usable_password()


def test_resending_an_invitation_makes_the_earlier_link_worthless(manager, paris, smtp):
    invite(manager.client, "resend@example.fr", role="manager")
    first_link = smtp.link()
    invitation = Invitation.objects.get(user__email="resend@example.fr")

    page = manager.client.post(f"{TEAM}invitations/{invitation.pk}/renvoyer/", follow=True)

    assert "Invitation renvoyée à resend@example.fr" in text(page)
    assert len(smtp.messages) == 2
    assert Client().get(first_link).status_code == 410
    colleague = Client()
    choose_password(colleague, smtp.link())
    membership = Membership.objects.get(user__email="resend@example.fr")
    assert membership.active and membership.role == "manager"


def test_cancelling_an_invitation_ends_its_link(manager, paris, smtp):
    invite(manager.client, "cancel@example.fr")
    invitation = Invitation.objects.get(user__email="cancel@example.fr")

    page = manager.client.post(f"{TEAM}invitations/{invitation.pk}/annuler/", follow=True)

    assert "Invitation de cancel@example.fr annulée" in text(page)
    assert Client().get(smtp.link()).status_code == 410
    assert not get_user_model().objects.filter(email="cancel@example.fr").exists()


def test_an_invited_person_has_no_access_before_choosing_a_password(manager, paris, smtp):
    invite(manager.client, "pending@example.fr")
    user = get_user_model().objects.get(email="pending@example.fr")

    assert not user.is_active and not user.has_usable_password()
    assert not Membership.objects.get(user=user).active
    team = text(manager.client.get(TEAM))
    assert team.count("pending@example.fr") == 1  # under the pending invitations only


def test_inviting_an_existing_account_adds_the_membership_and_mails_a_notice(
    manager, paris, lyon, make_member, smtp
):
    colleague = make_member("dominique", (lyon, "agent"))
    colleague.email = "dominique@example.fr"
    colleague.save()

    page = invite(manager.client, "Dominique@Example.fr", role="manager")

    assert "a déjà un compte" in text(page)
    assert smtp.last["Subject"] == "Vous avez maintenant accès à Agence Paris Démo sur leadsportal"
    assert "/connexion/" in smtp.body(smtp.last)
    membership = Membership.objects.get(user=colleague, agency=paris)
    assert membership.active and membership.role == "manager"
    assert colleague.check_password(PASSWORD)  # their password did not change


def test_inviting_a_member_again_is_refused(manager, paris, agent, smtp):
    agent.user.email = "agent@example.fr"
    agent.user.save()

    page = invite(manager.client, "agent@example.fr")

    assert page.status_code == 400
    assert "Cette adresse est déjà celle d'un membre de l'agence." in text(page)
    assert smtp.messages == []


def test_an_invalid_address_is_refused_with_a_message(manager, paris, smtp):
    page = invite(manager.client, "not-an-address")

    assert page.status_code == 400
    assert "Saisissez une adresse e-mail valide." in text(page)


def test_the_manager_is_told_when_the_mail_cannot_be_sent(manager, paris, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }

    page = invite(manager.client, "unreachable@example.fr")

    assert "n'a pas pu être envoyé" in text(page)
    assert Invitation.objects.filter(user__email="unreachable@example.fr").exists()


# --- The team page: who may, roles, deactivation ------------------------------------------------


def test_an_agent_is_told_the_team_page_is_for_managers(agent, paris):
    page = agent.client.get(TEAM)

    assert page.status_code == 403
    assert "Réservé aux responsables" in text(page)
    assert (
        agent.client.post(TEAM + "inviter/", {"email": "x@example.fr", "role": "agent"}).status_code
        == 403
    )


def test_the_header_links_to_the_team_for_managers_and_to_my_account_for_everyone(
    agent, manager, paris
):
    manager_page = text(manager.client.get(reverse("agencies:account")))
    agent_page = text(agent.client.get(reverse("agencies:account")))

    assert f'href="{TEAM}">Équipe</a>' in manager_page
    assert 'href="/mon-compte/">Mon compte</a>' in manager_page
    assert "Équipe</a>" not in agent_page
    assert 'href="/mon-compte/">Mon compte</a>' in agent_page


def test_the_team_page_lists_members_with_role_state_and_last_login(manager, agent, paris):
    page = text(manager.client.get(TEAM))

    assert "agent.paris" in page and "manager.paris" in page
    assert "(vous)" in page
    assert "Responsable" in page and "Agent" in page
    assert "actif" in page and timezone.localtime().strftime("%Y") in page  # last login


def test_a_manager_makes_an_agent_a_manager(manager, agent, paris):
    membership = Membership.objects.get(user=agent.user, agency=paris)

    page = manager.client.post(
        f"{TEAM}membres/{membership.pk}/role/", {"role": "manager"}, follow=True
    )

    assert "agent.paris est maintenant responsable." in text(page)
    assert f'href="{TEAM}">Équipe</a>' in text(agent.client.get(reverse("agencies:account")))


def test_a_manager_cannot_change_their_own_role(manager, paris):
    membership = Membership.objects.get(user=manager.user, agency=paris)

    page = manager.client.post(
        f"{TEAM}membres/{membership.pk}/role/", {"role": "agent"}, follow=True
    )

    assert "Vous ne pouvez pas changer votre propre rôle." in text(page)
    assert Membership.objects.get(pk=membership.pk).role == "manager"


def test_a_manager_cannot_deactivate_themselves(manager, paris):
    membership = Membership.objects.get(user=manager.user, agency=paris)

    page = manager.client.post(f"{TEAM}membres/{membership.pk}/desactiver/", follow=True)

    assert "Vous ne pouvez pas désactiver votre propre accès." in text(page)


def test_the_agency_keeps_an_active_manager(manager, login, paris):
    # Two managers demoting each other at the same moment: the second change finds the first
    # done (the agency's row is locked) and is refused.
    other = login("second.manager", (paris, "manager"))
    mine = Membership.objects.get(user=manager.user, agency=paris)
    theirs = Membership.objects.get(user=other.user, agency=paris)
    accounts.member_role_change(agency=paris, membership_id=mine.pk, role="agent", actor=other.user)

    with pytest.raises(accounts.AccountError) as refused:
        accounts.member_role_change(
            agency=paris, membership_id=theirs.pk, role="agent", actor=manager.user
        )
    with pytest.raises(accounts.AccountError):
        accounts.member_deactivate(agency=paris, membership_id=theirs.pk, actor=manager.user)

    assert refused.value.message == "L'agence doit garder au moins un responsable actif."
    assert Membership.objects.filter(agency=paris, role="manager", active=True).count() == 1


def test_deactivation_ends_an_open_session_at_once(manager, paris, make_member, probe_urls):
    colleague = make_member("leaving", (paris, "agent"))
    elsewhere = Client()
    elsewhere.post("/connexion/", {"username": "leaving", "password": PASSWORD})
    assert "agency=Agence Paris Démo" in text(elsewhere.get(probe_urls))
    membership = Membership.objects.get(user=colleague, agency=paris)

    page = manager.client.post(f"{TEAM}membres/{membership.pk}/desactiver/", follow=True)

    assert "leaving n'a plus accès à l'agence." in text(page)
    response = elsewhere.get(probe_urls)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    refused = elsewhere.post("/connexion/", {"username": "leaving", "password": PASSWORD})
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in text(refused)
    assert "désactivé" in text(manager.client.get(TEAM))


def test_deactivation_in_one_agency_leaves_the_others(
    manager, paris, lyon, make_member, probe_urls
):
    colleague = make_member("two.agencies", (paris, "agent"), (lyon, "agent"))
    elsewhere = Client()
    elsewhere.force_login(colleague)
    assert "agency=Agence Lyon Démo" in text(elsewhere.get(probe_urls))  # first by name
    elsewhere.post(reverse("agencies:switch"), {"agency": str(paris.pk)})
    assert "agency=Agence Paris Démo" in text(elsewhere.get(probe_urls))
    membership = Membership.objects.get(user=colleague, agency=paris)

    manager.client.post(f"{TEAM}membres/{membership.pk}/desactiver/")

    page = text(elsewhere.get(probe_urls))
    assert "agency=Agence Lyon Démo" in page  # Paris is gone at the very next request
    assert "Agence Paris Démo" not in page


def test_deactivation_keeps_the_follow_up_history(manager, paris, make_member):
    colleague = make_member("with.history", (paris, "agent"))
    followup = LeadFollowup.objects.create(
        agency=paris,
        lead_id="L-1",
        lead_type="CLASSIFIED",
        lead_created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=30),
        assignee=colleague,
    )
    LeadNote.objects.create(followup=followup, author=colleague, body="Rappeler mardi.")
    membership = Membership.objects.get(user=colleague, agency=paris)

    manager.client.post(f"{TEAM}membres/{membership.pk}/desactiver/")

    followup.refresh_from_db()
    assert followup.assignee == colleague
    assert LeadNote.objects.get(followup=followup).author == colleague


def test_a_reactivated_member_gets_the_agency_back(manager, paris, make_member, probe_urls):
    colleague = make_member("back", (paris, "agent"))
    membership = Membership.objects.get(user=colleague, agency=paris)
    manager.client.post(f"{TEAM}membres/{membership.pk}/desactiver/")

    page = manager.client.post(f"{TEAM}membres/{membership.pk}/reactiver/", follow=True)

    assert "back a de nouveau accès à l'agence." in text(page)
    again = Client()
    assert again.post("/connexion/", {"username": "back", "password": PASSWORD}).status_code == 302
    assert "agency=Agence Paris Démo" in text(again.get(probe_urls))


def test_another_agencys_member_cannot_be_touched(manager, paris, lyon, make_member):
    stranger = make_member("stranger", (lyon, "agent"))
    membership = Membership.objects.get(user=stranger, agency=lyon)

    page = manager.client.post(f"{TEAM}membres/{membership.pk}/desactiver/", follow=True)

    assert "Cette personne n'est pas membre de l'agence." in text(page)
    assert Membership.objects.get(pk=membership.pk).active


# --- Forgotten password, password change --------------------------------------------------------


def test_the_login_page_links_to_the_forgotten_password_page(client, db):
    page = text(client.get("/connexion/"))

    assert 'href="/mot-de-passe/oublie/">Mot de passe oublié ?</a>' in page


def test_a_reset_answers_the_same_for_a_known_and_an_unknown_address(
    client, make_member, paris, smtp
):
    user = make_member("known", (paris, "agent"))
    user.email = "known@example.fr"
    user.save()

    known = client.post("/mot-de-passe/oublie/", {"email": "known@example.fr"}, follow=True)
    unknown = client.post("/mot-de-passe/oublie/", {"email": "nobody@example.fr"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [("/mot-de-passe/oublie/envoye/", 302)]
    for page in (known, unknown):
        assert "Si un compte actif correspond à cette adresse" in text(page)
    assert len(smtp.messages) == 1
    assert smtp.last["To"] == "known@example.fr"
    assert smtp.last["Subject"] == "Nouveau mot de passe pour leadsportal"


def test_the_reset_link_sets_a_new_password_once(client, make_member, paris, smtp):
    user = make_member("forgetful", (paris, "agent"))
    user.email = "forgetful@example.fr"
    user.save()
    client.post("/mot-de-passe/oublie/", {"email": "forgetful@example.fr"})
    link = smtp.link()

    person = Client()
    form = person.get(link, follow=True)
    done = person.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert "Votre nouveau mot de passe est enregistré" in text(done)
    assert (
        person.post("/connexion/", {"username": "forgetful", "password": NEW_PASSWORD}).status_code
        == 302
    )
    again = Client().get(link, follow=True)
    assert "Ce lien a expiré" in text(again)


def test_a_deactivated_account_gets_no_reset_mail(client, make_member, paris, smtp):
    user = make_member("gone", (paris, "agent"))
    user.email = "gone@example.fr"
    user.is_active = False
    user.save()

    client.post("/mot-de-passe/oublie/", {"email": "gone@example.fr"})

    assert smtp.messages == []


def test_the_reset_form_is_throttled(client, make_member, paris, smtp):
    user = make_member("flooded", (paris, "agent"))
    user.email = "flooded@example.fr"
    user.save()

    for _ in range(5):
        client.post("/mot-de-passe/oublie/", {"email": "flooded@example.fr"})
    assert len(smtp.messages) == 3  # per address and hour, silently

    for n in range(6):
        last = client.post("/mot-de-passe/oublie/", {"email": f"other{n}@example.fr"})
    assert last.status_code == 429
    assert "Trop de demandes depuis ce poste" in text(last)


def test_a_person_changes_their_password_from_my_account(agent, paris):
    other_session = Client()
    other_session.force_login(agent.user)

    page = agent.client.post(
        "/mon-compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert "Mot de passe modifié." in text(page)
    assert agent.client.get("/mon-compte/").status_code == 200  # this session stays
    assert other_session.get("/mon-compte/").status_code == 302  # the other one ended


def test_a_wrong_current_password_is_refused(agent, paris):
    page = agent.client.post(
        "/mon-compte/mot-de-passe/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert page.status_code == 400
    assert "Votre ancien mot de passe est incorrect" in text(page)


# --- Logs -------------------------------------------------------------------------------------


def test_no_log_line_holds_an_address_a_token_or_a_password(manager, paris, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    invite(manager.client, "secret.person@example.fr")
    link = smtp.link()
    choose_password(Client(), link)
    Client().post("/mot-de-passe/oublie/", {"email": "secret.person@example.fr"})
    reset_link = smtp.link()

    logged = "\n".join(
        f"{record.getMessage()} {record.__dict__}"
        for record in caplog.records
        if not record.name.startswith(("mail.log", "asyncio"))  # the test's SMTP server
    )
    assert "invitation accepted" in logged  # the log did capture the flow
    for secret in (
        "secret.person",
        link.rstrip("/").split("/")[-1],
        reset_link.split("/")[-2],
        NEW_PASSWORD,
    ):
        assert secret not in logged, secret


def test_the_invitation_link_lifetime_is_72_hours():
    assert InvitationTokenGenerator().lifetime == timedelta(hours=72)
    assert isinstance(InvitationTokenGenerator()._now(), datetime)
