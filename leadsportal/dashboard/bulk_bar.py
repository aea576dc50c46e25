"""What the bulk bar above a list needs: the list's URL, who and what can be chosen, the
notice of the last change. Built once per list page (members, stages, reasons: three reads)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from leadsportal.agencies.access import AgencyRequest
from leadsportal.agencies.members import agency_members, member_label
from leadsportal.agencies.permissions import can_export
from leadsportal.dashboard.bulk_forms import ACTIONS
from leadsportal.dashboard.reminder_forms import local_input_value
from leadsportal.dashboard.selection import list_path_checked, offers_all
from leadsportal.followup.bulk import UNDO_SECONDS
from leadsportal.followup.pipeline import lost_reasons_of, pipeline_of

NOTICE_KEY = "bulk_notice"


def bulk_notice_set(
    request: AgencyRequest, text: str, *, token: str = "", error: bool = False
) -> None:
    request.session[NOTICE_KEY] = {
        "text": text,
        "token": token,
        "error": error,
        "until": (timezone.now().timestamp() + UNDO_SECONDS) if token else 0,
        "agency": request.agency.pk,
    }


def bulk_notice_pop(request: Any) -> dict[str, Any] | None:
    """The notice of the last bulk change, once, for the list that follows it (same agency)."""
    session = getattr(request, "session", None)
    if session is None or NOTICE_KEY not in session:
        return None
    notice = session.pop(NOTICE_KEY)
    agency = getattr(request, "agency", None)
    if not isinstance(notice, dict) or agency is None or notice.get("agency") != agency.pk:
        return None
    if notice.get("token") and notice["until"] < timezone.now().timestamp():
        notice["token"] = ""  # too late to undo
    return notice


def bulk_bar(request: AgencyRequest, *, list_url: str) -> dict[str, Any]:
    url = list_path_checked(list_url)
    notice = bulk_notice_pop(request)
    return {
        "list_url": url,
        "offers_all": offers_all(url),
        "notice": notice,
        "open": bool(notice and notice.get("error")),
        "actions": ACTIONS,
        "members": [
            {"pk": member.pk, "label": member_label(member), "is_me": member.pk == request.user.pk}
            for member in agency_members(agency=request.agency)
        ],
        "stages": pipeline_of(request.agency),
        "lost_reasons": lost_reasons_of(request.agency),
        "now_input": local_input_value(timezone.now()),
        "export_url": reverse("exports:selection") if can_export(request.membership) else "",
    }
