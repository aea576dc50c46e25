"""An agency's accounts as its managers run them: invitations, roles, deactivation.

A manager invites a colleague by e-mail. A new address gets an account with an unusable
password, an inactive membership with its role and an `Invitation`; the e-mail holds a link,
valid LEADSPORTAL_INVITATION_HOURS (72 h) and once, to choose a password
(`invitation_token`). An address that already has an account with a password gets the
membership at once and an e-mail saying so.

A deactivated member keeps their membership row (role, read markers) and everything the
follow-up records about them (notes, history, assignments), but no longer reaches the agency:
`Membership.active` is what `access.user_memberships` reads on every request. A person left
without any active membership is deactivated as a user and their sessions are deleted (the
platform's staff keep their account: an agency's manager cannot lock out the administrator).

Nothing here writes an e-mail address, a token or a password in a log line: users are named
by their id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int
from django.utils.translation import gettext as _

from leadsportal.agencies.models import Agency, Invitation, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


class AccountError(Exception):
    """A change the team page refuses; `message` is the sentence the manager reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with its own salt and lifetime: valid 72 h, and once, since it
    signs the password hash (which choosing a password replaces) and the last login."""

    key_salt = "leadsportal.agencies.accounts.InvitationTokenGenerator"

    @property
    def lifetime(self) -> timedelta:
        return timedelta(hours=settings.LEADSPORTAL_INVITATION_HOURS)

    def check_token(self, user: User | None, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > self.lifetime.total_seconds():
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_token = InvitationTokenGenerator()


def current_time() -> datetime:
    """The accounts' clock (tests move it with the token generator's)."""
    return timezone.now()


def _last_manager_message() -> str:
    return _("L'agence doit garder au moins un responsable actif.")


# --- Reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    membership: Membership
    user: User
    two_factor: bool


@dataclass(frozen=True)
class PendingInvitation:
    invitation: Invitation
    membership: Membership | None
    expired: bool


def team_members(*, agency: Agency) -> list[TeamMember]:
    """The agency's members (active or not), invited people aside, by name (two queries)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    pending = Invitation.objects.filter(agency=agency).values("user_id")
    memberships = list(
        Membership.objects.filter(agency=agency)
        .exclude(user_id__in=pending)
        .select_related("user")
        .order_by("-active", "user__first_name", "user__last_name", "user__username")
    )
    with_device = set(
        TOTPDevice.objects.filter(
            user_id__in=[m.user_id for m in memberships], confirmed=True
        ).values_list("user_id", flat=True)
    )
    return [
        TeamMember(membership=m, user=m.user, two_factor=m.user_id in with_device)
        for m in memberships
    ]


def pending_invitations(*, agency: Agency, now: datetime | None = None) -> list[PendingInvitation]:
    now = now or current_time()
    invitations = list(
        Invitation.objects.filter(agency=agency).select_related("user").order_by("-sent_at")
    )
    roles = {
        m.user_id: m
        for m in Membership.objects.filter(agency=agency, user__in=[i.user for i in invitations])
    }
    lifetime = invitation_token.lifetime
    return [
        PendingInvitation(
            invitation=i, membership=roles.get(i.user_id), expired=now - i.sent_at > lifetime
        )
        for i in invitations
    ]


def active_managers_count(*, agency: Agency) -> int:
    return Membership.objects.filter(
        agency=agency, role=Membership.Role.MANAGER, active=True, user__is_active=True
    ).count()


# --- Invitations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    user: User
    membership: Membership
    # True: the e-mail holds a link to choose a password; False: the person already has a
    # password and the e-mail only says they joined the agency.
    needs_password: bool


def _account_for_email(email: str) -> User | None:
    user_model = get_user_model()
    matches = list(
        user_model.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by(
            "-is_active", "pk"
        )
    )
    return matches[0] if matches else None


@transaction.atomic
def invitation_create(
    *,
    agency: Agency,
    email: str,
    role: str,
    invited_by: User,
    first_name: str = "",
    last_name: str = "",
    now: datetime | None = None,
) -> Invited:
    """Invite EMAIL to the agency with ROLE (the caller sends the e-mail, `Invited` says which).

    Refused (AccountError) when the address already belongs to a member of the agency.
    """
    now = now or current_time()
    email = email.strip()
    user = _account_for_email(email)
    if user is None:
        user = get_user_model()(
            # The address is the login: the person needs nothing else to remember.
            username=email.lower()[:150],
            email=email,
            first_name=first_name[:150],
            last_name=last_name[:150],
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
    membership = Membership.objects.filter(agency=agency, user=user).first()
    if membership is not None and membership.active:
        raise AccountError(_("Cette adresse est déjà celle d'un membre de l'agence."))
    if membership is not None and Invitation.objects.filter(agency=agency, user=user).exists():
        raise AccountError(
            _("Cette personne est déjà invitée : renvoyez l'invitation depuis la liste.")
        )
    if user.has_usable_password():
        # An account someone already uses: they join at once (or come back).
        membership = _membership_activate(
            agency=agency, user=user, role=role, membership=membership
        )
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        logger.info(
            "member added", extra={"agency_id": agency.pk, "user_id": user.pk, "by": invited_by.pk}
        )
        return Invited(user=user, membership=membership, needs_password=False)
    if membership is None:
        membership = Membership.objects.create(agency=agency, user=user, role=role, active=False)
    else:
        membership.role = role
        membership.save(update_fields=["role"])
    Invitation.objects.create(agency=agency, user=user, invited_by=invited_by, sent_at=now)
    logger.info(
        "invitation created",
        extra={"agency_id": agency.pk, "user_id": user.pk, "by": invited_by.pk},
    )
    return Invited(user=user, membership=membership, needs_password=True)


def _membership_activate(
    *, agency: Agency, user: User, role: str, membership: Membership | None
) -> Membership:
    if membership is None:
        return Membership.objects.create(agency=agency, user=user, role=role, active=True)
    membership.role = role
    membership.active = True
    membership.save(update_fields=["role", "active"])
    return membership


@transaction.atomic
def invitation_renew(*, invitation: Invitation, now: datetime | None = None) -> Invitation:
    """Before the invitation is sent again: a new unusable password makes the links already
    sent worthless (the newest e-mail is the one that works), and the 72 h start again."""
    user = invitation.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    invitation.sent_at = now or current_time()
    invitation.save(update_fields=["sent_at"])
    logger.info("invitation renewed", extra={"agency_id": invitation.agency_id, "user_id": user.pk})
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation) -> None:
    """Withdraw the invitation: its inactive membership goes, and the account too when it was
    made for it (never used, in no other agency)."""
    user = invitation.user
    agency_id = invitation.agency_id
    invitation.delete()
    Membership.objects.filter(agency_id=agency_id, user=user, active=False).delete()
    unused = (
        user.last_login is None
        and not user.has_usable_password()
        and not user.is_staff
        and not Membership.objects.filter(user=user).exists()
        and not Invitation.objects.filter(user=user).exists()
    )
    if unused:
        user.delete()
    logger.info("invitation cancelled", extra={"agency_id": agency_id, "user_id": user.pk})


def invitation_user(*, uid: str) -> User | None:
    """The invited person behind a link's uid, provided an invitation is still pending."""
    user_model = get_user_model()
    if not uid.isascii() or not uid.isdigit() or len(uid) > 18:
        return None
    user = user_model.objects.filter(pk=int(uid)).first()
    if user is None or not Invitation.objects.filter(user=user).exists():
        return None
    return user


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> list[Membership]:
    """The invited person chose a password: every pending invitation of theirs is accepted
    (the link proves they read that address's mail), their memberships become active."""
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitations = Invitation.objects.filter(user=user)
    agency_ids = list(invitations.values_list("agency_id", flat=True))
    Membership.objects.filter(user=user, agency_id__in=agency_ids).update(active=True)
    invitations.delete()
    logger.info("invitation accepted", extra={"user_id": user.pk, "agencies": agency_ids})
    return list(Membership.objects.filter(user=user, active=True).select_related("agency"))


# --- Roles and deactivation -----------------------------------------------------------------


def _member(*, agency: Agency, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(agency=agency, pk=membership_id)
        .exclude(user__invitations__agency=agency)
        .first()
    )
    if membership is None:
        raise AccountError(_("Cette personne n'est pas membre de l'agence."))
    return membership


def _lock_agency(agency: Agency) -> None:
    # Two managers demoting each other at the same moment must not leave the agency with none.
    Agency.objects.select_for_update().filter(pk=agency.pk).values_list("pk").first()


@transaction.atomic
def member_role_change(*, agency: Agency, membership_id: int, role: str, actor: User) -> Membership:
    _lock_agency(agency)
    membership = _member(agency=agency, membership_id=membership_id)
    if role not in Membership.Role.values:
        raise AccountError(_("Choisissez un rôle dans la liste."))
    if membership.role == role:
        return membership
    if membership.user_id == actor.pk:
        raise AccountError(_("Vous ne pouvez pas changer votre propre rôle."))
    if (
        membership.role == Membership.Role.MANAGER
        and membership.active
        and active_managers_count(agency=agency) <= 1
    ):
        raise AccountError(_last_manager_message())
    membership.role = role
    membership.save(update_fields=["role"])
    logger.info(
        "member role changed",
        extra={"agency_id": agency.pk, "user_id": membership.user_id, "by": actor.pk},
    )
    return membership


@transaction.atomic
def member_deactivate(*, agency: Agency, membership_id: int, actor: User) -> Membership:
    """End the member's access to the agency now; with no other agency left, their account
    and every session of theirs end too."""
    _lock_agency(agency)
    membership = _member(agency=agency, membership_id=membership_id)
    if membership.user_id == actor.pk:
        raise AccountError(_("Vous ne pouvez pas désactiver votre propre accès."))
    if not membership.active:
        return membership
    if membership.is_manager and active_managers_count(agency=agency) <= 1:
        raise AccountError(_last_manager_message())
    membership.active = False
    membership.save(update_fields=["active"])
    user = membership.user
    if not user.is_staff and not Membership.objects.filter(user=user, active=True).exists():
        user.is_active = False
        user.save(update_fields=["is_active"])
        user_sessions_end(user_id=user.pk)
    logger.info(
        "member deactivated",
        extra={"agency_id": agency.pk, "user_id": user.pk, "by": actor.pk},
    )
    return membership


@transaction.atomic
def member_reactivate(*, agency: Agency, membership_id: int, actor: User) -> Membership:
    membership = _member(agency=agency, membership_id=membership_id)
    if membership.active:
        return membership
    membership.active = True
    membership.save(update_fields=["active"])
    user = membership.user
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    logger.info(
        "member reactivated",
        extra={"agency_id": agency.pk, "user_id": user.pk, "by": actor.pk},
    )
    return membership


def user_sessions_end(*, user_id: int) -> int:
    """Delete every session of the user (database and cache); returns how many.

    Sessions are not indexed by user: each live one is decoded. Deactivations are rare and a
    few thousand sessions decode in well under a second. (An inactive user is logged out at
    their next request anyway: the auth backend refuses them.)
    """
    from importlib import import_module

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
    for session in live:
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            store_class(session_key=session.session_key).delete()
            ended += 1
    logger.info("sessions ended", extra={"user_id": user_id, "sessions": ended})
    return ended


@transaction.atomic
def agency_two_factor_set(*, agency: Agency, required: bool, actor: User) -> None:
    Agency.objects.filter(pk=agency.pk).update(managers_require_two_factor=required)
    agency.managers_require_two_factor = required
    logger.info(
        "agency two-factor rule changed",
        extra={"agency_id": agency.pk, "required": required, "by": actor.pk},
    )
