"""URLs of the Seeker sandbox, mounted under /seeker-sandbox/ when settings.LEADS_SANDBOX_ENABLED.

The API lives under seeker-leads/v1/ (the live base URL's path) and the token beside it, as
AVIV's identity provider is beside its APIs; names are the contract's operationIds
(docs/api/aviv-seeker-leads-v1.yaml).
"""

from django.conf import settings
from django.urls import path

from leadsportal.seeker_sandbox import views

app_name = "seeker_sandbox"

API = "seeker-leads/v1/"

urlpatterns = [
    path("oauth/token", views.token, name="token"),
    path(API + "leads", views.leads, name="leads"),
    path(API + "leads/<str:lead_id>", views.lead, name="getLead"),
    path(API + "webhook/subscriptions", views.subscriptions, name="createSubscription"),
    path(
        API + "webhook/subscriptions/<str:subscription_id>",
        views.subscription,
        name="subscription",
    ),
    path(
        API + "webhook/subscriptions/<str:subscription_id>/audit",
        views.subscription_audit,
        name="getSubscriptionAudit",
    ),
]

if settings.LEADS_SANDBOX_CONTROL_ENABLED:
    urlpatterns += [
        path("_control", views.control, name="control"),
        path("_control/stats", views.control_stats, name="control_stats"),
        path("_control/leads", views.control_leads, name="control_leads"),
        path("_control/erase", views.control_erase, name="control_erase"),
        path("_control/token", views.control_token, name="control_token"),
    ]
