"""Template context for the layout: the current membership and the agency switcher.

Both values are lazy and share `access.user_memberships`, which is cached on the request: a page
behind `agency_required` adds no query, any other page at most one, and only if the template
actually reads them.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from leadsportal.agencies.access import current_membership, user_memberships


def current_agency(request: HttpRequest) -> dict[str, object]:
    return {
        "current_membership": SimpleLazyObject(lambda: current_membership(request)),
        "user_memberships": SimpleLazyObject(lambda: user_memberships(request)),
    }
