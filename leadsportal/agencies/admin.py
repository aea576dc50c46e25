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
from leadsportal.agencies.webhooks import webhook_register
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
            "upstream",
            "client_id",
            "client_secret",
            "intermediary_id",
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
            field.help_text = _(
                "Non défini — fourni par GSL (ou par AVIV pour Seeker Leads) avec "
                "l'identifiant client."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("upstream") != Agency.Upstream.SEEKER_V1 and cleaned.get("intermediary_id"):
            self.add_error(
                "intermediary_id",
                _("L'identifiant d'intermédiaire ne sert qu'à AVIV Seeker Leads."),
            )
        return cleaned

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
    list_display = [
        "name",
        "upstream",
        "client_id",
        "api_url",
        "agents_can_export",
        "member_count",
    ]
    list_filter = ["upstream"]
    search_fields = ["name", "client_id"]
    inlines = [AgencyMembershipInline]
    actions = ["test_connection", "register_webhook"]
    readonly_fields = ["webhook"]

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

    def get_fields(self, request: HttpRequest, obj: Agency | None = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        if obj is None or not obj.is_seeker:
            fields.remove("webhook")
        return fields

    @admin.display(description=_("webhook (Seeker Leads)"))
    def webhook(self, agency: Agency) -> str:
        # The URL holds the secret: only whether it is registered is shown.
        if agency.webhook_subscription_id:
            return gettext("Enregistré (abonnement %(id)s).") % {
                "id": agency.webhook_subscription_id
            }
        return gettext("Non enregistré : il l'est à l'enregistrement de l'agence.")

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.is_seeker:
            self._register_webhook(request, obj)

    def _register_webhook(self, request: HttpRequest, agency: Agency) -> None:
        """Subscribe the agency's webhook at this dashboard's address (as the admin reached
        it); a failure is told, the agency stays saved and the watcher polls it anyway."""
        try:
            webhook_register(agency=agency, public_url=request.build_absolute_uri("/"))
        except LeadsApiError as exc:
            self.message_user(
                request,
                gettext(
                    "« %(agency)s » : le webhook n'a pas pu être enregistré (%(problem)s) ; "
                    "les nouveaux leads arriveront par l'interrogation régulière."
                )
                % {"agency": agency.name, "problem": exc.user_message},
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                gettext("« %(agency)s » : webhook enregistré auprès de Seeker Leads.")
                % {"agency": agency.name},
                messages.SUCCESS,
            )

    @admin.action(description=_("Enregistrer le webhook (Seeker Leads)"))
    def register_webhook(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            if not agency.is_seeker:
                self.message_user(
                    request,
                    gettext("« %(agency)s » : GSL v2 n'a pas de webhook.")
                    % {"agency": agency.name},
                    messages.WARNING,
                )
                continue
            self._register_webhook(request, agency)

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
