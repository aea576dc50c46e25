"""The agency's pipeline for its managers (`/agence/suivi/`): rename, reorder and add stages,
remove an unused one; add, rename, archive and restore the reasons a lead is lost.

One URL: the page (GET) and each change (POST, its `action` naming it). Without JavaScript a
change answers with a redirect (303) to the page and its message; with htmx, the editor's part
of the page, the message inside. Agents get the refusal the settings page gives them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.models import Agency
from leadsportal.dashboard.badges import STATUS_BADGES
from leadsportal.followup.models import LeadFollowup, StageKind
from leadsportal.followup.pipeline import (
    ADDABLE_KINDS,
    REASON_LABEL_MAX_LENGTH,
    STAGE_NAME_MAX_LENGTH,
    PipelineError,
    lost_reasons_of,
    pipeline_of,
    reason_add,
    reason_archive,
    reason_rename,
    stage_add,
    stage_delete,
    stage_move,
    stage_rename,
)

TEMPLATE = "dashboard/pipeline.html"
# What each kind of stage means, as the editor says it (its own words: "en cours" elsewhere is
# an export being built).
KIND_LABELS = {
    StageKind.NEW: pgettext_lazy("stage kind", "nouveaux leads"),
    StageKind.OPEN: pgettext_lazy("stage kind", "en cours"),
    StageKind.WON: pgettext_lazy("stage kind", "gagné"),
    StageKind.LOST: pgettext_lazy("stage kind", "perdu"),
    StageKind.CLOSED: pgettext_lazy("stage kind", "terminé"),
}


def _reason_id(request: AgencyRequest) -> int:
    try:
        return int(request.POST.get("reason", ""))
    except ValueError:
        raise PipelineError(_("Cette raison n'existe pas dans la liste de l'agence.")) from None


def _apply(request: AgencyRequest, action: str) -> str:
    """Make the change the form asks for; its message. PipelineError when refused."""
    agency = request.agency
    post = request.POST
    code = post.get("code", "")
    if action == "stage_rename":
        stage = stage_rename(agency=agency, code=code, name=post.get("name", ""))
        return _("Étape renommée « %(name)s ».") % {"name": stage.name}
    if action in ("stage_up", "stage_down"):
        stages = stage_move(agency=agency, code=code, up=action == "stage_up")
        name = next(stage.name for stage in stages if stage.code == code)
        return _("Étape « %(name)s » déplacée.") % {"name": name}
    if action == "stage_add":
        stage = stage_add(
            agency=agency, name=post.get("name", ""), kind=post.get("kind", StageKind.OPEN)
        )
        return _("Étape « %(name)s » ajoutée.") % {"name": stage.name}
    if action == "stage_delete":
        names = {stage.code: stage.name for stage in pipeline_of(agency)}
        stage_delete(agency=agency, code=code)
        return _("Étape « %(name)s » supprimée.") % {"name": names.get(code, code)}
    if action == "reason_add":
        reason = reason_add(agency=agency, label=post.get("label", ""))
        return _("Raison « %(label)s » ajoutée.") % {"label": reason.label}
    if action == "reason_rename":
        reason = reason_rename(
            agency=agency, reason_id=_reason_id(request), label=post.get("label", "")
        )
        return _("Raison renommée « %(label)s ».") % {"label": reason.label}
    if action in ("reason_archive", "reason_restore"):
        archived = action == "reason_archive"
        reason = reason_archive(agency=agency, reason_id=_reason_id(request), archived=archived)
        if archived:
            return _("Raison « %(label)s » archivée : elle n'est plus proposée.") % {
                "label": reason.label
            }
        return _("Raison « %(label)s » de nouveau proposée.") % {"label": reason.label}
    raise PipelineError(_("Cette modification n'existe pas."))


def _context(agency: Agency, **extra: Any) -> dict[str, Any]:
    counts = dict(
        LeadFollowup.objects.filter(agency=agency)
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    stages = pipeline_of(agency)
    rows = [
        {
            "stage": stage,
            "leads": counts.get(stage.code, 0),
            "first": index == 1,  # right after the stage of new leads, which stays first
            "last": index == len(stages) - 1,
            "badge_class": STATUS_BADGES.get(StageKind(stage.kind), "badge--info"),
            "kind_label": KIND_LABELS.get(StageKind(stage.kind), stage.kind),
        }
        for index, stage in enumerate(stages)
    ]
    return {
        "rows": rows,
        "reasons": lost_reasons_of(agency, with_archived=True),
        "kinds": [(kind.value, KIND_LABELS[kind]) for kind in ADDABLE_KINDS],
        "name_max": STAGE_NAME_MAX_LENGTH,
        "label_max": REASON_LABEL_MAX_LENGTH,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@agency_required
def pipeline_settings(request: AgencyRequest) -> HttpResponse:
    if not request.membership.is_manager:
        return render(request, "dashboard/settings_forbidden.html", status=403)
    htmx = getattr(request, "htmx", False)
    template = f"{TEMPLATE}#pipeline-editor" if htmx else TEMPLATE
    if request.method == "GET":
        return render(request, template, _context(request.agency))
    try:
        saved = _apply(request, request.POST.get("action", ""))
    except PipelineError as error:
        # htmx swaps only successful responses: the refusal comes with 200 and says so.
        return render(
            request,
            template,
            _context(request.agency, error=str(error), posted=request.POST),
            status=200 if htmx else 400,
        )
    if htmx:
        return render(request, template, _context(request.agency, saved=saved))
    messages.success(request, saved)
    return HttpResponseRedirect(reverse("dashboard:pipeline"), status=303)
