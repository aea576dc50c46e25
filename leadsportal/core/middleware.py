"""The request log: one structured line per request, never with personal data of leads.

It records who (user id, agency id), what (route name, method, status) and how long (total
time, the CPU time of the request's thread, number and time of upstream calls). Query strings are left out on purpose: filters can
carry search terms, and the route name says enough.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from leadsportal.lib import deadlines, request_metrics

logger = logging.getLogger("leadsportal.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(("/static/", "/sandbox/", "/seeker-sandbox/")):
            # The sandbox stands in for the remote API: it is not part of the dashboard's traffic.
            return self.get_response(request)
        metrics = request_metrics.begin()
        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            response = self.get_response(request)
        finally:
            request_metrics.end()
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "route": match.view_name if match else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                # Unlike wall time, hardly moved by other work on the machine (the benchmarks'
                # figure); threads a request fans out to are not counted.
                "cpu_ms": round((time.thread_time() - started_cpu) * 1000, 2),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "agency_id": getattr(request, "agency_id_for_log", None),
                "upstream_calls": metrics.upstream_calls,
                "upstream_ms": round(metrics.upstream_ms, 1),
                "token_requests": metrics.token_requests,
                "htmx": request.headers.get("HX-Request") == "true",
            },
        )
        return response


class UpstreamDeadlineMiddleware:
    """One budget for all the upstream calls of a request: `LEADS_API_PAGE_DEADLINE` seconds.

    However many searches and fetches by id a page makes, it answers (with a banner if need
    be) within that time: a stalling upstream holds no request thread longer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        with deadlines.deadline_scope(settings.LEADS_API_PAGE_DEADLINE):
            return self.get_response(request)


class FrenchFirstLocaleMiddleware:
    """French for everyone unless the person picked another language in the header.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an agent whose
    browser happens to be in English would get an English dashboard they never asked for.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
