"""Logging in (password, then the code of a two-factor device), choosing a password from an
invitation, resetting a forgotten one, and "Mon compte" (password, two-factor login).

Django's own views do the login and the reset (subclassed for our templates, the code step and
the throttling of the reset form); the rest are function views.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import (
    LoginView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from leadsportal.agencies import accounts, two_factor
from leadsportal.agencies.access import current_membership
from leadsportal.agencies.forms import CodeForm, PasswordConfirmForm, ResetRequestForm

INVITATION_SESSION_TOKEN = "_leadsportal_invitation_token"
INVITATION_URL_TOKEN = "choisir"
# The reset form: a person may ask this often from one address, and one address gets at most
# this many e-mails, per hour (beyond that the page looks the same and nothing is sent).
RESET_REQUESTS_PER_ADDRESS = 10
RESET_MAILS_PER_EMAIL = 3
RESET_WINDOW_SECONDS = 3600


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


# --- Login ----------------------------------------------------------------------------------


class TwoStepLoginView(LoginView):
    """Django's login; a person with a two-factor device is not logged in by the password:
    they go on to the code step."""

    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        two_factor.pending_start(
            self.request,
            user=user,
            backend=getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            next_url=self.get_success_url(),
        )
        return HttpResponseRedirect(reverse("login_code"))


def _code_step_user(request: HttpRequest) -> tuple[Any, two_factor.PendingLogin | None]:
    """Who the code step is for: the person between the two steps of a login, or a logged-in
    person whose agency requires the code this session has not given yet."""
    pending = two_factor.pending_get(request)
    if pending is not None:
        return pending.user, pending
    user = request.user
    if (
        user.is_authenticated
        and not two_factor.is_verified(user)
        and two_factor.confirmed_device(user) is not None
    ):
        return user, None
    return None, None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of the login: the 6-digit code of the person's authenticator app."""
    user, pending = _code_step_user(request)
    if user is None:
        if request.user.is_authenticated:
            return HttpResponseRedirect(reverse(settings.LOGIN_REDIRECT_URL))
        messages.info(
            request, _("Connectez-vous d'abord avec votre identifiant et votre mot de passe.")
        )
        return HttpResponseRedirect(reverse("login"))
    next_url = pending.next_url if pending else request.GET.get("next", "")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        AxesProxyHandler.update_request(request)
        if AxesProxyHandler.is_locked(request, credentials):
            two_factor.pending_clear(request)
            return get_lockout_response(request, None, credentials)
        check = two_factor.code_check(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            if pending is not None:
                two_factor.pending_clear(request)
                auth_login(request, user, backend=pending.backend)
            otp_login(request, check.device)
            return HttpResponseRedirect(_safe_next(request, request.POST.get("next", next_url)))
        status = 400
        if check.throttled:
            form.add_error(
                "code",
                _("Trop d'essais à la suite : attendez quelques secondes avant de réessayer."),
            )
        else:
            # A wrong code is a failed login for the lockout (django-axes), like a password.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            attempts = two_factor.pending_failed(request) if pending is not None else 0
            if attempts >= two_factor.MAX_CODE_ATTEMPTS:
                two_factor.pending_clear(request)
                messages.error(
                    request,
                    _("Trop de codes incorrects : reconnectez-vous avec votre mot de passe."),
                )
                return HttpResponseRedirect(reverse("login"))
            form.add_error(
                "code",
                _("Code incorrect. Saisissez le code affiché en ce moment par votre application."),
            )
    elif request.method == "POST":
        status = 400
    return render(
        request, "registration/login_code.html", {"form": form, "next": next_url}, status=status
    )


# --- Invitation -----------------------------------------------------------------------------


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """The invitation's link: choose a password, then you are logged in.

    As in Django's reset view, the token leaves the address bar at once (kept in the session)
    so that it is in no later Referer nor in the browser's history of the page with the form.
    """
    user = accounts.invitation_user(uid=uid)
    if token != INVITATION_URL_TOKEN:
        if user is not None and accounts.invitation_token.check_token(user, token):
            request.session[INVITATION_SESSION_TOKEN] = token
            return HttpResponseRedirect(
                reverse("agencies:invitation_accept", args=[uid, INVITATION_URL_TOKEN])
            )
        return render(request, "agencies/invitation_expired.html", status=410)
    session_token = request.session.get(INVITATION_SESSION_TOKEN, "")
    if user is None or not accounts.invitation_token.check_token(user, session_token):
        return render(request, "agencies/invitation_expired.html", status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        memberships = accounts.invitation_accept(
            user=user, password=form.cleaned_data["new_password1"]
        )
        del request.session[INVITATION_SESSION_TOKEN]
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        names = ", ".join(m.agency.name for m in memberships)
        messages.success(
            request,
            _("Bienvenue ! Votre mot de passe est enregistré ; vous avez accès à %(agencies)s.")
            % {"agencies": names},
        )
        return HttpResponseRedirect(reverse(settings.LOGIN_REDIRECT_URL))
    return render(
        request,
        "agencies/invitation_accept.html",
        {"form": form, "invited": user},
        status=400 if form.errors else 200,
    )


# --- Forgotten password ---------------------------------------------------------------------


def _over_limit(key: str, limit: int) -> bool:
    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RESET_WINDOW_SECONDS)
        count = 1
    return count > limit


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset request: the same answer whether the address has an account or not; at
    most RESET_REQUESTS_PER_ADDRESS requests per hour from one client address, and at most
    RESET_MAILS_PER_EMAIL e-mails per hour to one address (silently: nothing to learn)."""

    form_class = ResetRequestForm
    email_template_name = "agencies/mail/password_reset.txt"
    subject_template_name = "agencies/mail/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: ResetRequestForm) -> HttpResponse:
        AxesProxyHandler.update_request(self.request)
        address = getattr(self.request, "axes_ip_address", None) or "unknown"
        if _over_limit(f"reset:address:{address}", RESET_REQUESTS_PER_ADDRESS):
            form.add_error(
                None,
                _(
                    "Trop de demandes depuis ce poste. Réessayez dans une heure, ou demandez à "
                    "un responsable de votre agence."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        email = form.cleaned_data["email"].strip().lower()
        # The address itself is never a cache key: a keyed hash of it is.
        digest = salted_hmac("leadsportal.reset", email, algorithm="sha256").hexdigest()
        if _over_limit(f"reset:email:{digest}", RESET_MAILS_PER_EMAIL):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class ResetDoneView(PasswordResetDoneView):
    pass


class ResetConfirmView(PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")


class ResetCompleteView(PasswordResetCompleteView):
    pass


# --- Mon compte -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    device = two_factor.confirmed_device(request.user)
    membership = current_membership(request)
    context = {
        "password_form": PasswordChangeForm(request.user),
        "device": device,
        "remove_form": PasswordConfirmForm(user=request.user),
        "two_factor_required": membership is not None and two_factor.required_for(membership),
    }
    return render(request, "agencies/account.html", context)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST)
    if form.is_valid():
        form.save()
        # This session stays open; the person's other sessions end (Django's session hash).
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Mot de passe modifié."))
        return HttpResponseRedirect(reverse("agencies:account"), status=303)
    membership = current_membership(request)
    context = {
        "password_form": form,
        "device": two_factor.confirmed_device(request.user),
        "remove_form": PasswordConfirmForm(user=request.user),
        "two_factor_required": membership is not None and two_factor.required_for(membership),
    }
    return render(request, "agencies/account.html", context, status=400)


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if two_factor.confirmed_device(request.user) is not None and request.method == "GET":
        messages.info(request, _("La double authentification est déjà active sur votre compte."))
        return HttpResponseRedirect(reverse("agencies:account"))
    device = two_factor.setup_device(user=request.user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = two_factor.setup_confirm(
            user=request.user,  # type: ignore[arg-type]
            code=form.cleaned_data["code"],
        )
        if confirmed is not None:
            otp_login(request, confirmed)
            messages.success(
                request,
                _(
                    "Double authentification activée : à chaque connexion, votre application "
                    "vous donnera le code à saisir après le mot de passe."
                ),
            )
            return HttpResponseRedirect(reverse("agencies:account"), status=303)
        form.add_error(
            "code",
            _("Code incorrect. Vérifiez l'heure de votre téléphone et saisissez le code actuel."),
        )
    context = {
        "form": form,
        "qr_svg": two_factor.qr_code_svg(device),
        "manual_key": two_factor.manual_key(device),
    }
    return render(
        request, "agencies/two_factor_setup.html", context, status=400 if form.errors else 200
    )


@sensitive_post_parameters("password")
@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    if membership is not None and two_factor.required_for(membership):
        messages.error(
            request,
            _(
                "Votre agence rend la double authentification obligatoire pour les "
                "responsables : vous ne pouvez pas la retirer."
            ),
        )
        return HttpResponseRedirect(reverse("agencies:account"), status=303)
    form = PasswordConfirmForm(request.POST, user=request.user)
    if not form.is_valid():
        context = {
            "password_form": PasswordChangeForm(request.user),
            "device": two_factor.confirmed_device(request.user),
            "remove_form": form,
            "two_factor_required": False,
        }
        return render(request, "agencies/account.html", context, status=400)
    two_factor.devices_remove(user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Double authentification retirée de votre compte."))
    return HttpResponseRedirect(reverse("agencies:account"), status=303)
