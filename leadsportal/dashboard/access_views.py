"""The access record for the agency's managers: who opened which lead, who exported what."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.dashboard.forms import AccessRecordForm
from leadsportal.followup.access_record import AccessFilter, access_records

RECORDS_PER_PAGE = 50


@require_GET
@agency_required
def access_record(request: AgencyRequest) -> HttpResponse:
    if not request.membership.is_manager:
        return render(request, "dashboard/settings_forbidden.html", status=403)
    form = AccessRecordForm(request.GET, agency=request.agency)
    valid = form.is_valid()
    matching = form.access_filter() if valid else AccessFilter()
    records = access_records(request.agency, matching) if valid else None
    page = (
        Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
        if records is not None
        else None
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "records": page.object_list if page is not None else [],
        "filtered": any(request.GET.get(name) for name in form.fields),
        "query": query.urlencode(),
    }
    return render(request, "dashboard/access_record.html", context, status=200 if valid else 400)
