from django.urls import path

from leadsportal.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("leads/", views.lead_list, name="leads"),
    path("leads/<slug:family_slug>/", views.lead_list, name="family_leads"),
    path("lead/<str:lead_id>/", views.lead_detail, name="lead_detail"),
    path("annonces/<int:classified_id>/leads/", views.classified_leads, name="classified_leads"),
]
