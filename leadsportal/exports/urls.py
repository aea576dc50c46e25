from django.urls import path

from leadsportal.exports import views

app_name = "exports"

urlpatterns = [
    path("exports/leads/", views.export_leads, name="leads"),
    path("exports/leads/<slug:family_slug>/", views.export_leads, name="family_leads"),
    path(
        "exports/annonces/<int:classified_id>/",
        views.export_classified_leads,
        name="classified_leads",
    ),
    path("exports/historique/", views.history, name="history"),
    path("exports/selection/", views.export_selection, name="selection"),
    path("exports/<int:export_id>/", views.export_job, name="job"),
    path("exports/<int:export_id>/fichier/", views.export_download, name="download"),
]
