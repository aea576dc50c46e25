from django.urls import path

from leadsportal.followup import views

app_name = "followup"

urlpatterns = [
    path("suivi/nouveaux/", views.new_leads, name="new_leads"),
    path("suivi/compteurs/", views.tab_counts, name="tab_counts"),
    path("suivi/tout-lu/", views.mark_all_read, name="mark_all_read"),
    path("lead/<str:lead_id>/suivi/statut/", views.status_change, name="status"),
    path("lead/<str:lead_id>/suivi/responsable/", views.assignee_change, name="assignee"),
    path("lead/<str:lead_id>/suivi/notes/", views.note_add, name="note"),
    path("lead/<str:lead_id>/meme-contact/", views.contact_leads, name="contact_leads"),
]
