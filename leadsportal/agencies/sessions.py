"""Idle sessions end: after SESSION_IDLE_MINUTES without a request of the person, the next
request logs them out and sends them to the login page with a message.

What the page does by itself does not count as activity: the live event stream and the other
requests a page makes in the background are marked with `@background_request`, otherwise an
open tab would never go idle. The time of the last activity is written at most once a minute
(a session write per request would be a database write per request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

LAST_ACTIVITY_KEY = "leadsportal_last_activity"
WRITE_EVERY_SECONDS = 60
_BACKGROUND_ATTR = "leadsportal_background_request"


def background_request[ViewFunc: Callable[..., HttpResponse]](view: ViewFunc) -> ViewFunc:
    """Mark a view whose requests the page makes by itself: they keep no session alive."""
    setattr(view, _BACKGROUND_ATTR, True)
    return view


def is_background(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, _BACKGROUND_ATTR, False))


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        background = is_background(view_func)
        idle_limit = settings.SESSION_IDLE_MINUTES * 60
        if isinstance(last, int | float) and now - last > idle_limit:
            logout(request)
            messages.info(
                request,
                _(
                    "Votre session a pris fin après %(minutes)d minutes sans activité. "
                    "Reconnectez-vous pour continuer."
                )
                % {"minutes": settings.SESSION_IDLE_MINUTES},
            )
            if background:
                return None  # the view answers an anonymous visitor, as it would after a logout
            login = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(login["Location"])
            return login
        if not isinstance(last, int | float) or (
            not background and now - last >= WRITE_EVERY_SECONDS
        ):
            request.session[LAST_ACTIVITY_KEY] = now
        return None
