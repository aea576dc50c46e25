"""What the dashboard's views share: the page or its htmx partial, pagination, safe back links.

Every list page renders the full page, or only the region htmx asked for (`HX-Target`), from one
template with partials; errors of the upstream become a banner (`ListResult`), never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from leadsportal.leads_api import LEAD_ID_PATTERN, LeadPage, LeadsApiError, PageRequest

logger = logging.getLogger(__name__)

# The query parameter (GET) or form field (POST) naming the list a person came from.
BACK_PARAMETER = "back"


def checked_lead_id(lead_id: str) -> str:
    """A lead id as the API makes them, else a 404 before any call or query."""
    if not LEAD_ID_PATTERN.match(lead_id):
        raise Http404("malformed lead id")
    return lead_id


@dataclass
class ListResult:
    """What a list page shows: a page of leads, or a banner saying why not."""

    page: LeadPage | None = None
    banner: str | None = None
    status: int = 200
    error: LeadsApiError | None = None


def fetch_page(fetch: Callable[[PageRequest], LeadPage], page_request: PageRequest) -> ListResult:
    """Call the API for one page; a page past the end serves the last page instead."""
    try:
        page = fetch(page_request)
        if page.count and page_request.index > page.page_count:
            page = fetch(PageRequest(index=page.page_count, size=page_request.size))
    except LeadsApiError as error:
        logger.warning(
            "leads_api error on list", extra={"error": type(error).__name__, "status": error.status}
        )
        return ListResult(banner=error.user_message, status=error.page_status, error=error)
    return ListResult(page=page)


def template_for(request: HttpRequest, template: str, partials: frozenset[str]) -> str:
    """The whole page, or the partial whose region htmx targets (`HX-Target`)."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request or htmx.target not in partials:
        return template
    return f"{template}#{htmx.target}"


def respond(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    status: int,
    partials: frozenset[str] = frozenset({"results", "browser"}),
) -> HttpResponse:
    chosen = template_for(request, template, partials)
    # htmx does not swap error responses: a fragment always comes with 200 and its banner.
    if chosen != template:
        status = 200
    return render(request, chosen, context, status=status)


class PagedQuery(Protocol):
    def page_url(self, page: int) -> str: ...


def pagination(page: LeadPage | None, query: PagedQuery | None) -> dict[str, Any]:
    """The pagination's context: counts, positions and the links, from the list's query."""
    if page is None or query is None:
        return {}
    index = min(page.page.index, page.page_count)
    previous_page = index - 1 if index > 1 else None
    next_page = index + 1 if index < page.page_count else None
    return {
        "count": page.count,
        "page_number": index,
        "page_count": page.page_count,
        "previous_page": previous_page,
        "next_page": next_page,
        "first_row": (index - 1) * page.page.size + 1 if page.count else 0,
        "last_row": min(index * page.page.size, page.count),
        "first_page_url": query.page_url(1),
        "previous_page_url": query.page_url(previous_page) if previous_page else "",
        "next_page_url": query.page_url(next_page) if next_page else "",
        "last_page_url": query.page_url(page.page_count),
    }


def safe_back_url(request: HttpRequest, candidate: str) -> str:
    """The list the person came from (with its filters), if it is one of ours; else the list."""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dashboard:leads")


def lead_detail_url(request: HttpRequest, lead_id: str) -> str:
    """The lead's page, keeping the list the person came from (a form's `back`) when it is one
    of ours: where a follow-up form sends the person back without JavaScript."""
    url = reverse("dashboard:lead_detail", args=[lead_id])
    back = request.POST.get(BACK_PARAMETER, "")
    if back and safe_back_url(request, back) == back:
        return f"{url}?{urlencode({BACK_PARAMETER: back})}"
    return url
