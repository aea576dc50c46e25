"""The receiver of AVIV Seeker Leads' webhook calls (one URL per agency, webhooks.py).

It answers at once: no upstream call and no poll in the request, only a check of the URL's
secret (constant time) and the signal that makes the watcher poll the agency on the worker.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadsportal.agencies.models import Agency
from leadsportal.agencies.webhooks import webhook_received

logger = logging.getLogger(__name__)


@csrf_exempt  # called by the upstream, not by a browser: the URL's secret authenticates it
@require_POST
def seeker_webhook(request: HttpRequest, agency_id: int, secret: str) -> HttpResponse:
    agency = Agency.objects.filter(pk=agency_id, upstream=Agency.Upstream.SEEKER_V1).first()
    if agency is None or not agency.webhook_secret_matches(secret):
        # The same answer for an unknown agency and a wrong secret: nothing to learn.
        logger.warning("seeker webhook: refused", extra={"agency_id": agency_id})
        return HttpResponse(status=404)
    webhook_received.send(sender=Agency, agency=agency)
    return HttpResponse(status=200)
