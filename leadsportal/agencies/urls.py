from django.contrib.auth import views as auth_views
from django.urls import include, path

from leadsportal.agencies import views

# Namespaced "agencies:..." routes; login/logout keep Django's conventional global names.
agency_patterns = (
    [path("agence/changer", views.switch_agency, name="switch")],
    "agencies",
)

urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include(agency_patterns)),
]
