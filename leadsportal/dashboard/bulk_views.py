"""Bulk actions on a list: assign, move to a stage, remind, mark read or unread; and their undo.

Both are POSTs from the bulk bar above a list's table (templates/dashboard/_bulk_bar.html),
answered by a redirect (303) to the list, which shows what was done and an "Annuler" button
for a minute (the notice is kept in the session until the list shows it). With htmx the bar
posts in the background and the redirect brings back the list's results only.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.members import member_label
from leadsportal.dashboard.bulk_bar import bulk_notice_set
from leadsportal.dashboard.bulk_forms import BulkForm
from leadsportal.dashboard.selection import (
    SelectionError,
    list_lead_ids,
    list_path_checked,
)
from leadsportal.followup.bulk import (
    MAX_BULK_LEADS,
    BulkResult,
    bulk_assign,
    bulk_leads,
    bulk_read,
    bulk_reminder,
    bulk_stage,
    bulk_undo,
)
from leadsportal.followup.records import FollowupError
from leadsportal.followup.reminders import ReminderError
from leadsportal.leads_api import LeadsApiError


def _done_text(form: BulkForm, result: BulkResult) -> str:
    count = result.changed
    action = form.cleaned_data["action"]
    if action == "assign":
        assignee = form.assignee_form.chosen_assignee()
        if assignee is None:
            return ngettext(
                "%(count)s lead n'est plus assigné.",
                "%(count)s leads ne sont plus assignés.",
                count,
            ) % {"count": count}
        return ngettext(
            "%(count)s lead assigné à %(person)s.", "%(count)s leads assignés à %(person)s.", count
        ) % {"count": count, "person": member_label(assignee)}
    if action == "stage":
        stage = form.status_form.chosen_stage()
        return ngettext(
            "%(count)s lead passé à l'étape « %(stage)s ».",
            "%(count)s leads passés à l'étape « %(stage)s ».",
            count,
        ) % {"count": count, "stage": stage.name}
    if action == "remind":
        return ngettext("%(count)s rappel ajouté.", "%(count)s rappels ajoutés.", count) % {
            "count": count
        }
    if action == "read":
        return ngettext(
            "%(count)s lead marqué comme lu.", "%(count)s leads marqués comme lus.", count
        ) % {"count": count}
    return ngettext(
        "%(count)s lead marqué comme non lu.", "%(count)s leads marqués comme non lus.", count
    ) % {"count": count}


def _apply(request: AgencyRequest, form: BulkForm, lead_ids: list[str]) -> BulkResult | None:
    leads = bulk_leads(agency=request.agency, lead_ids=lead_ids)
    if not leads:
        return None
    user = request.user
    action = form.cleaned_data["action"]
    if action == "assign":
        assignee = form.assignee_form.chosen_assignee()
        result = bulk_assign(agency=request.agency, actor=user, leads=leads, assignee=assignee)
        due = form.cleaned_data.get("assign_due")
        if due is not None and assignee is not None:
            reminded = bulk_reminder(
                agency=request.agency, actor=user, leads=leads, person=assignee, due_at=due.moment
            )
            result = BulkResult(
                action="assign",
                changed=max(result.changed, reminded.changed),
                selected=result.selected,
                undo_token=_pair(result, reminded),
            )
        return result
    if action == "stage":
        return bulk_stage(
            agency=request.agency,
            actor=user,
            leads=leads,
            status=form.status_form.cleaned_data["status"],
            lost_reason=form.status_form.cleaned_data.get("lost_reason"),
        )
    if action == "remind":
        reminder = form.reminder_form.cleaned_data
        return bulk_reminder(
            agency=request.agency,
            actor=user,
            leads=leads,
            person=reminder["person"],
            due_at=reminder["due"].moment,
            text=reminder.get("text") or "",
        )
    return bulk_read(membership=request.membership, leads=leads, read=action == "read")


def _pair(first: BulkResult, second: BulkResult) -> str:
    """One undo for an assignment and its reminders: both tokens, undone together."""
    return f"{first.undo_token}.{second.undo_token}"


@require_POST
@agency_required
def bulk_change(request: AgencyRequest) -> HttpResponse:
    back = list_path_checked(request.POST.get("list", "")) or "/leads/"
    form = BulkForm(request.POST, agency=request.agency, user=request.user)
    if not form.is_valid():
        bulk_notice_set(request, form.first_error(), error=True)
        return HttpResponseRedirect(back, status=303)
    scope = form.cleaned_data["scope"]
    try:
        if scope == "all":
            selection = list_lead_ids(membership=request.membership, url=back)
            if selection.too_many:
                bulk_notice_set(
                    request,
                    _(
                        "Cette liste compte plus de %(max)s leads : resserrez les filtres pour "
                        "agir sur tous à la fois."
                    )
                    % {"max": number_format(MAX_BULK_LEADS, force_grouping=True)},
                    error=True,
                )
                return HttpResponseRedirect(back, status=303)
            lead_ids = list(selection.lead_ids)
        else:
            lead_ids = form.chosen_ids if scope == "selected" else form.page_ids
        # One transaction for the whole change, an assignment and its reminders included.
        with transaction.atomic():
            result = _apply(request, form, lead_ids)
    except SelectionError:
        bulk_notice_set(
            request, _("Cette liste ne peut pas être sélectionnée en entier."), error=True
        )
        return HttpResponseRedirect(back, status=303)
    except LeadsApiError as error:
        bulk_notice_set(request, error.user_message, error=True)
        return HttpResponseRedirect(back, status=303)
    except (FollowupError, ReminderError, ValueError):
        bulk_notice_set(
            request, _("Cette modification n'a pas pu être faite : rien n'a changé."), error=True
        )
        return HttpResponseRedirect(back, status=303)
    if result is None:
        bulk_notice_set(
            request, _("Aucun des leads choisis n'appartient à cette liste."), error=True
        )
    else:
        bulk_notice_set(request, _done_text(form, result), token=result.undo_token)
    return HttpResponseRedirect(back, status=303)


@require_POST
@agency_required
def bulk_change_undo(request: AgencyRequest) -> HttpResponse:
    back = list_path_checked(request.POST.get("list", "")) or "/leads/"
    undone = [
        bulk_undo(membership=request.membership, token=token)
        # An assignment's reminders first, then the assignment: as if neither had happened.
        for token in reversed(request.POST.get("token", "").split(".")[:2])
        if token
    ]
    if not undone or any(count is None for count in undone):
        bulk_notice_set(
            request, _("Trop tard : cette modification ne peut plus être annulée."), error=True
        )
    else:
        count = max(count or 0 for count in undone)
        bulk_notice_set(
            request,
            ngettext(
                "Modification annulée : %(count)s lead est revenu comme avant.",
                "Modification annulée : %(count)s leads sont revenus comme avant.",
                count,
            )
            % {"count": count},
        )
    return HttpResponseRedirect(back, status=303)
