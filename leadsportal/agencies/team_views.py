"""The team page of an agency's managers: members, roles, deactivation, invitations, and the
agency's two-factor rule. Plain form posts (CSRF), each answered by a redirect to the page
with a message; the domain is in agencies/accounts.py, the e-mails in agencies/mail.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadsportal.agencies import accounts, mail
from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.forms import InvitationForm, RoleForm, TwoFactorRuleForm
from leadsportal.agencies.members import member_label
from leadsportal.agencies.models import Invitation


def _forbidden(request: AgencyRequest) -> HttpResponse:
    return render(request, "agencies/team_forbidden.html", status=403)


def _back() -> HttpResponse:
    return HttpResponseRedirect(reverse("agencies:team"), status=303)


def _team_page(
    request: AgencyRequest, *, invite_form: InvitationForm | None = None, status: int = 200
) -> HttpResponse:
    agency = request.agency
    context = {
        "members": accounts.team_members(agency=agency),
        "invitations": accounts.pending_invitations(agency=agency),
        "invite_form": invite_form or InvitationForm(),
        "rule_form": TwoFactorRuleForm(
            initial={"managers_require_two_factor": agency.managers_require_two_factor}
        ),
        "role_choices": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "agencies/team.html", context, status=status)


@require_GET
@agency_required
def team(request: AgencyRequest) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    return _team_page(request)


@require_POST
@agency_required
def invite(request: AgencyRequest) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _team_page(request, invite_form=form, status=400)
    data = form.cleaned_data
    try:
        invited = accounts.invitation_create(
            agency=request.agency,
            email=data["email"],
            role=data["role"],
            invited_by=request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
        )
    except accounts.AccountError as exc:
        form.add_error("email", exc.message)
        return _team_page(request, invite_form=form, status=400)
    if invited.needs_password:
        sent = mail.invitation_send(
            request=request,
            user=invited.user,
            membership=invited.membership,
            invited_by=request.user,
        )
        done = _("Invitation envoyée à %(email)s.")
    else:
        sent = mail.member_added_send(
            request=request,
            user=invited.user,
            agency=request.agency,
            membership=invited.membership,
            invited_by=request.user,
        )
        done = _(
            "%(email)s a déjà un compte : la personne a maintenant accès à l'agence et en est avertie par e-mail."
        )
    if sent:
        messages.success(request, done % {"email": data["email"]})
    else:
        messages.error(
            request,
            _(
                "L'e-mail à %(email)s n'a pas pu être envoyé (serveur d'e-mail injoignable). "
                "Réessayez plus tard avec « Renvoyer »."
            )
            % {"email": data["email"]},
        )
    return _back()


def _invitation(request: AgencyRequest, invitation_id: int) -> Invitation | None:
    return (
        Invitation.objects.select_related("user")
        .filter(agency=request.agency, pk=invitation_id)
        .first()
    )


@require_POST
@agency_required
def invitation_resend(request: AgencyRequest, invitation_id: int) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    invitation = _invitation(request, invitation_id)
    if invitation is None:
        messages.error(request, _("Cette invitation n'existe plus (acceptée ou annulée)."))
        return _back()
    invitation = accounts.invitation_renew(invitation=invitation)
    membership = invitation.user.memberships.select_related("agency").get(agency=request.agency)
    if mail.invitation_send(
        request=request, user=invitation.user, membership=membership, invited_by=request.user
    ):
        messages.success(
            request,
            _("Invitation renvoyée à %(email)s ; le lien précédent ne fonctionne plus.")
            % {"email": invitation.user.email},
        )
    else:
        messages.error(request, _("L'e-mail n'a pas pu être envoyé. Réessayez plus tard."))
    return _back()


@require_POST
@agency_required
def invitation_cancel(request: AgencyRequest, invitation_id: int) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    invitation = _invitation(request, invitation_id)
    if invitation is None:
        messages.error(request, _("Cette invitation n'existe plus (acceptée ou annulée)."))
        return _back()
    email = invitation.user.email
    accounts.invitation_cancel(invitation=invitation)
    messages.success(
        request,
        _("Invitation de %(email)s annulée : son lien ne fonctionne plus.") % {"email": email},
    )
    return _back()


@require_POST
@agency_required
def member_role(request: AgencyRequest, membership_id: int) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez un rôle dans la liste."))
        return _back()
    try:
        membership = accounts.member_role_change(
            agency=request.agency,
            membership_id=membership_id,
            role=form.cleaned_data["role"],
            actor=request.user,
        )
    except accounts.AccountError as exc:
        messages.error(request, exc.message)
        return _back()
    messages.success(
        request,
        _("%(member)s est maintenant %(role)s.")
        % {"member": member_label(membership.user), "role": membership.get_role_display().lower()},
    )
    return _back()


@require_POST
@agency_required
def member_deactivate(request: AgencyRequest, membership_id: int) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    try:
        membership = accounts.member_deactivate(
            agency=request.agency, membership_id=membership_id, actor=request.user
        )
    except accounts.AccountError as exc:
        messages.error(request, exc.message)
        return _back()
    messages.success(
        request,
        _("%(member)s n'a plus accès à l'agence.") % {"member": member_label(membership.user)},
    )
    return _back()


@require_POST
@agency_required
def member_reactivate(request: AgencyRequest, membership_id: int) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    try:
        membership = accounts.member_reactivate(
            agency=request.agency, membership_id=membership_id, actor=request.user
        )
    except accounts.AccountError as exc:
        messages.error(request, exc.message)
        return _back()
    messages.success(
        request,
        _("%(member)s a de nouveau accès à l'agence.") % {"member": member_label(membership.user)},
    )
    return _back()


@require_POST
@agency_required
def two_factor_rule(request: AgencyRequest) -> HttpResponse:
    if not request.membership.is_manager:
        return _forbidden(request)
    form = TwoFactorRuleForm(request.POST)
    form.is_valid()  # a boolean: anything but a checked box is "off"
    required = bool(form.cleaned_data.get("managers_require_two_factor"))
    accounts.agency_two_factor_set(agency=request.agency, required=required, actor=request.user)
    if required:
        messages.success(
            request,
            _(
                "Double authentification obligatoire pour les responsables : ceux qui ne l'ont "
                "pas encore configurée le feront à leur prochaine page."
            ),
        )
    else:
        messages.success(request, _("Double authentification facultative pour les responsables."))
    return _back()
