from django.contrib.auth import views as auth_views
from django.urls import include, path

from leadsportal.agencies import account_views, team_views, views, webhook_views

# Namespaced "agencies:..." routes; login/logout and the password reset keep Django's
# conventional global names (Django's views reverse them).
agency_patterns = (
    [
        path("agence/changer", views.switch_agency, name="switch"),
        path("agence/equipe/", team_views.team, name="team"),
        path("agence/equipe/inviter/", team_views.invite, name="invite"),
        path(
            "agence/equipe/invitations/<int:invitation_id>/renvoyer/",
            team_views.invitation_resend,
            name="invitation_resend",
        ),
        path(
            "agence/equipe/invitations/<int:invitation_id>/annuler/",
            team_views.invitation_cancel,
            name="invitation_cancel",
        ),
        path(
            "agence/equipe/membres/<int:membership_id>/role/",
            team_views.member_role,
            name="member_role",
        ),
        path(
            "agence/equipe/membres/<int:membership_id>/desactiver/",
            team_views.member_deactivate,
            name="member_deactivate",
        ),
        path(
            "agence/equipe/membres/<int:membership_id>/reactiver/",
            team_views.member_reactivate,
            name="member_reactivate",
        ),
        path(
            "agence/equipe/double-authentification/",
            team_views.two_factor_rule,
            name="two_factor_rule",
        ),
        path(
            "invitation/<str:uid>/<str:token>/",
            account_views.invitation_accept,
            name="invitation_accept",
        ),
        path(
            "webhooks/seeker/<int:agency_id>/<str:secret>/",
            webhook_views.seeker_webhook,
            name="seeker_webhook",
        ),
        path("mon-compte/", account_views.account, name="account"),
        path("mon-compte/mot-de-passe/", account_views.password_change, name="password_change"),
        path(
            "mon-compte/double-authentification/",
            account_views.two_factor_setup,
            name="two_factor_setup",
        ),
        path(
            "mon-compte/double-authentification/retirer/",
            account_views.two_factor_remove,
            name="two_factor_remove",
        ),
    ],
    "agencies",
)

urlpatterns = [
    path("connexion/", account_views.TwoStepLoginView.as_view(), name="login"),
    path("connexion/code/", account_views.login_code, name="login_code"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mot-de-passe/oublie/",
        account_views.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oublie/envoye/",
        account_views.ResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        account_views.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        account_views.ResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include(agency_patterns)),
]
