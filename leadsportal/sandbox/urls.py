"""URLs of the sandbox, mounted under /sandbox/ when settings.LEADS_SANDBOX_ENABLED.

The API paths are the contract's (docs/api/gsl-leads-v2.yaml); names are its operationIds.
"""

from django.conf import settings
from django.urls import path

from leadsportal.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("oauth/token", views.token, name="token"),
    path("v2/leads/search", views.search_leads, name="searchLeads"),
    path("v2/leads/<str:lead_id>", views.get_lead, name="getLead"),
    path(
        "v2/classifieds/leads/search", views.search_classified_leads, name="searchClassifiedLeads"
    ),
    path(
        "v2/classifieds/<str:classified_id>/leads",
        views.get_classified_leads,
        name="getClassifiedLeads",
    ),
    path("v2/agencies/leads/search", views.search_agency_leads, name="searchAgencyLeads"),
    path("v2/sellers/leads/search", views.search_seller_leads, name="searchSellerLeads"),
    path(
        "v2/propertysearches/leads/search",
        views.search_property_search_leads,
        name="searchPropertySearchLeads",
    ),
]

if settings.LEADS_SANDBOX_CONTROL_ENABLED:
    urlpatterns += [
        path("_control", views.control, name="control"),
        path("_control/stats", views.control_stats, name="control_stats"),
        path("_control/leads", views.control_leads, name="control_leads"),
        path("_control/token", views.control_token, name="control_token"),
    ]
