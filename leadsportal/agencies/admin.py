from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from leadsportal.agencies.models import Agency, Membership
from leadsportal.agencies.upstream import agency_connection_check
from leadsportal.leads_api import LeadsApiCredentialsUnreadable, LeadsApiError

User = get_user_model()


class AgencyAdminForm(forms.ModelForm):
    # Write-only: PasswordInput(render_value=False) never puts the value back in the page, and
    # the stored (encrypted) value is not a form field at all.
    client_secret = forms.CharField(
        label=_("Secret client"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = Agency
        fields = [
            "name",
            "client_id",
            "client_secret",
            "base_url",
            "agents_can_export",
            "managers_require_two_factor",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["client_secret"]
        if self.instance.pk and self.instance.has_client_secret:
            field.help_text = _(
                "Défini — saisissez une nouvelle valeur pour le remplacer ; "
                "laissez vide pour conserver le secret actuel."
            )
        else:
            field.required = True
            field.help_text = _("Non défini — fourni par GSL avec l'identifiant client.")

    def save(self, commit: bool = True) -> Agency:
        agency: Agency = super().save(commit=False)
        secret = self.cleaned_data.get("client_secret")
        if secret:
            agency.set_client_secret(secret)
        if commit:
            agency.save()
        return agency


class AgencyMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "agency"
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "active", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ["name", "client_id", "api_url", "agents_can_export", "member_count"]
    search_fields = ["name", "client_id"]
    inlines = [AgencyMembershipInline]
    actions = ["test_connection"]

    @method_decorator(sensitive_post_parameters("client_secret"))
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    @admin.display(description=_("URL de l'API"))
    def api_url(self, agency: Agency) -> str:
        return agency.effective_base_url()

    @admin.display(description=_("membres"), ordering="_member_count")
    def member_count(self, agency: Agency) -> int:
        return int(getattr(agency, "_member_count", 0))

    @admin.action(description=_("Tester la connexion à l'API"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            try:
                agency_connection_check(agency=agency)
            except LeadsApiCredentialsUnreadable:
                self.message_user(
                    request,
                    gettext(
                        "« %(agency)s » : le secret client enregistré ne peut pas être déchiffré "
                        "avec les clés configurées. Saisissez-le de nouveau."
                    )
                    % {"agency": agency.name},
                    messages.ERROR,
                )
            except LeadsApiError as exc:
                message = gettext("« %(agency)s » : échec de la connexion. %(problem)s") % {
                    "agency": agency.name,
                    "problem": exc.user_message,
                }
                if exc.detail:
                    # For the administrator: e.g. "token refused: invalid_client".
                    message += " " + gettext("(détail technique : %(detail)s)") % {
                        "detail": exc.detail
                    }
                self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("« %(agency)s » : connexion réussie, l'API a délivré un jeton.")
                    % {"agency": agency.name},
                    messages.SUCCESS,
                )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "active", "created_at"]
    list_filter = ["role", "active", "agency"]
    search_fields = ["user__username", "user__email", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]


class UserMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["agency"]
    fields = ["agency", "role", "active", "created_at"]
    readonly_fields = ["created_at"]


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [*DjangoUserAdmin.inlines, UserMembershipInline]


def _admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin logs in through the site's login: its own form would skip the two-factor
    step. A logged-in person without access to the admin goes back to the dashboard."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if request.user.is_authenticated:
        messages.error(request, gettext("Votre compte n'a pas accès à l'administration."))
        return HttpResponseRedirect(reverse(settings.LOGIN_REDIRECT_URL))
    return redirect_to_login(next_url)


admin.site.login = _admin_login  # type: ignore[method-assign]
