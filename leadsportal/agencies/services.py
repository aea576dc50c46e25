"""Create-or-update operations on agencies and members, shared by the management commands."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from leadsportal.agencies.models import Agency, Membership


@dataclass(frozen=True)
class Upserted[T]:
    obj: T
    created: bool


@transaction.atomic
def agency_upsert(
    *,
    name: str,
    client_id: str,
    client_secret: str | None,
    base_url: str | None = None,
    agents_can_export: bool | None = None,
    upstream: str | None = None,
    intermediary_id: str | None = None,
) -> Upserted[Agency]:
    """Create the agency NAME or update it; None keeps the current value (or the default)."""
    agency = Agency.objects.select_for_update().filter(name=name).first()
    created = agency is None
    if agency is None:
        agency = Agency(name=name)
    agency.client_id = client_id
    if upstream is not None:
        agency.upstream = upstream
    if intermediary_id is not None:
        agency.intermediary_id = intermediary_id
    if client_secret:
        agency.set_client_secret(client_secret)
    if base_url is not None:
        agency.base_url = base_url
    if agents_can_export is not None:
        agency.agents_can_export = agents_can_export
    if not agency.client_secret_encrypted:
        raise ValueError("A new agency needs a client secret.")
    agency.full_clean()
    agency.save()
    return Upserted(agency, created)


@transaction.atomic
def membership_upsert(*, user: AbstractUser, agency: Agency, role: str) -> Upserted[Membership]:
    membership, created = Membership.objects.update_or_create(
        user=user, agency=agency, defaults={"role": role}
    )
    return Upserted(membership, created)


@transaction.atomic
def user_upsert(
    *, username: str, password: str | None = None, email: str | None = None
) -> Upserted[AbstractUser]:
    """Create the user (unusable password unless one is given) or update the given fields."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = user_model(username=username)
        user.set_unusable_password()
    if password:
        user.set_password(password)
    if email is not None:
        user.email = email
    user.save()
    return Upserted(user, created)
