"""The e-mails of the accounts: an invitation (a link to choose a password) and the notice
that an existing account joined an agency. French plain text through Django's e-mail backend
(SMTP in production, the console in development); links are absolute, built from the request.

A failure to send is logged with the user's id and the error's type only (an SMTP error's text
can hold the address) and reported to the caller, who tells the manager.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from leadsportal.agencies.accounts import invitation_token
from leadsportal.agencies.models import Agency, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def _send(*, template: str, context: dict[str, object], to: str, user_id: int) -> bool:
    subject = render_to_string(f"agencies/mail/{template}_subject.txt", context)
    body = render_to_string(f"agencies/mail/{template}.txt", context)
    message = EmailMessage(subject=" ".join(subject.split()), body=body, from_email=None, to=[to])
    try:
        message.send()
    except Exception as exc:  # SMTP, DNS, timeout: the manager is told, the request goes on
        logger.error(
            "account e-mail not sent",
            extra={"mail": template, "user_id": user_id, "error": type(exc).__name__},
        )
        return False
    logger.info("account e-mail sent", extra={"mail": template, "user_id": user_id})
    return True


def invitation_link(request: HttpRequest, user: User) -> str:
    path = reverse(
        "agencies:invitation_accept", args=[str(user.pk), invitation_token.make_token(user)]
    )
    return request.build_absolute_uri(path)


def invitation_send(
    *, request: HttpRequest, user: User, membership: Membership, invited_by: User
) -> bool:
    context = {
        "agency": membership.agency,
        "role": membership.get_role_display(),
        "invited_by": invited_by.get_full_name() or invited_by.get_username(),
        "link": invitation_link(request, user),
        "hours": settings.LEADSPORTAL_INVITATION_HOURS,
        "login": user.get_username(),
    }
    return _send(template="invitation", context=context, to=user.email, user_id=user.pk)


def member_added_send(
    *, request: HttpRequest, user: User, agency: Agency, membership: Membership, invited_by: User
) -> bool:
    context = {
        "agency": agency,
        "role": membership.get_role_display(),
        "invited_by": invited_by.get_full_name() or invited_by.get_username(),
        "login_url": request.build_absolute_uri(reverse("login")),
        "reset_url": request.build_absolute_uri(reverse("password_reset")),
        "login": user.get_username(),
    }
    return _send(template="member_added", context=context, to=user.email, user_id=user.pk)
