from django.urls import path

from leadsportal.dashboard import (
    access_views,
    bulk_views,
    followup_views,
    live_views,
    pipeline_views,
    reminder_views,
    saved_view_views,
    search_views,
    settings_views,
    statistics_views,
    views,
)

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("leads/", views.lead_list, name="leads"),
    path("leads/<slug:family_slug>/", views.lead_list, name="family_leads"),
    path("lead/<str:lead_id>/", views.lead_detail, name="lead_detail"),
    # Bulk actions on a list's leads, and their undo (one minute).
    path("selection/", bulk_views.bulk_change, name="bulk"),
    path("selection/annuler/", bulk_views.bulk_change_undo, name="bulk_undo"),
    path("annonces/<int:classified_id>/leads/", views.classified_leads, name="classified_leads"),
    path("annonces/suggestions/", views.listing_suggestions, name="listing_suggestions"),
    # The follow-up of leads (records in leadsportal.followup).
    path("suivi/compteurs/", followup_views.tab_counts, name="tab_counts"),
    path("suivi/tout-lu/", followup_views.mark_all_read, name="mark_all_read"),
    path("lead/<str:lead_id>/suivi/statut/", followup_views.status_change, name="status"),
    path("lead/<str:lead_id>/suivi/responsable/", followup_views.assignee_change, name="assignee"),
    path("lead/<str:lead_id>/suivi/notes/", followup_views.note_add, name="note"),
    path("lead/<str:lead_id>/meme-contact/", followup_views.contact_leads, name="contact_leads"),
    # Reminders, the "À rappeler" view, calls and e-mails started from a lead.
    path("lead/<str:lead_id>/rappels/", reminder_views.reminder_add, name="reminder_add"),
    path("rappels/<int:reminder_id>/", reminder_views.reminder_action, name="reminder_action"),
    path("a-rappeler/", reminder_views.reminders_due, name="reminders_due"),
    path("lead/<str:lead_id>/contacts/", reminder_views.contact_attempt, name="contact_attempt"),
    path(
        "lead/<str:lead_id>/contacts/<int:attempt_id>/resultat/",
        reminder_views.contact_outcome,
        name="contact_outcome",
    ),
    # What open pages learn as it happens (leadsportal.watch).
    path("direct/evenements/", live_views.live_events, name="live_events"),
    path("lead/<str:lead_id>/prendre/", live_views.claim, name="claim"),
    path("disponibilite/", live_views.availability, name="availability"),
    path("agence/reglages/", settings_views.agency_settings, name="agency_settings"),
    path("agence/suivi/", pipeline_views.pipeline_settings, name="pipeline"),
    path("agence/acces/", access_views.access_record, name="access_record"),
    path("statistiques/", statistics_views.statistics_page, name="statistics"),
    path("recherche/", search_views.search, name="search"),
    path("vues/", saved_view_views.saved_views, name="saved_views"),
    path(
        "vues/<int:view_id>/renommer/", saved_view_views.saved_view_rename, name="saved_view_rename"
    ),
    path(
        "vues/<int:view_id>/supprimer/",
        saved_view_views.saved_view_delete,
        name="saved_view_delete",
    ),
]
