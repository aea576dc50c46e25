from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from leadsportal.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("leadsportal.agencies.urls")),
    path("", include("leadsportal.dashboard.urls")),
    path("", include("leadsportal.exports.urls")),
]

if settings.LEADS_SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("leadsportal.sandbox.urls")))
    urlpatterns.append(path("seeker-sandbox/", include("leadsportal.seeker_sandbox.urls")))
