"""Issue 17: today's four statuses move onto each agency's pipeline, and no lead loses its place.

The migration runs for real: the database is taken back to before the pipeline, follow-ups are
written with the four old statuses, then it migrates forward.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from leadsportal.agencies.models import Agency as RealAgency
from leadsportal.followup.models import LeadFollowup, LostReason, PipelineStage
from leadsportal.followup.pipeline import pipeline_of

BEFORE = [("followup", "0005_search_fingerprint_listing_title"), ("agencies", "0004_accounts")]
AFTER = [("followup", "0006_pipeline_reminders_contact_attempts")]
SEEDED = ["nouveau", "contacte", "rendez-vous", "visite", "offre", "mandat", "perdu"]


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_old_statuses_move_onto_the_pipeline() -> None:
    old = _migrate(BEFORE)
    Agency = old.get_model("agencies", "Agency")
    Followup = old.get_model("followup", "LeadFollowup")
    created = datetime(2026, 11, 20, 9, tzinfo=UTC)
    used_all = Agency.objects.create(name="Agence Tout", client_id="a", base_url="http://x")
    used_two = Agency.objects.create(name="Agence Deux", client_id="b", base_url="http://x")
    for number, status in enumerate(["nouveau", "contacte", "qualifie", "clos"]):
        Followup.objects.create(
            agency=used_all,
            lead_id=f"lead-{number}",
            lead_type="CLASSIFIED",
            lead_created_at=created,
            expires_at=created + timedelta(days=92),
            status=status,
        )
    Followup.objects.create(
        agency=used_two,
        lead_id="lead-x",
        lead_type="SELLER",
        lead_created_at=created,
        expires_at=created + timedelta(days=92),
        status="contacte",
    )

    _migrate(AFTER)
    # Then everything after it too: the real models below are today's.
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())
    used_all, used_two = (RealAgency.objects.get(pk=row.pk) for row in (used_all, used_two))

    # The agency that used all four keeps "Qualifié" after "Contacté" and "Clos" last.
    stages = pipeline_of(used_all)
    assert [stage.code for stage in stages] == [
        "nouveau",
        "contacte",
        "qualifie",
        "rendez-vous",
        "visite",
        "offre",
        "mandat",
        "perdu",
        "clos",
    ]
    assert [stage.name for stage in stages][:3] == ["Nouveau", "Contacté", "Qualifié"]
    assert stages[-1].name == "Clos" and stages[-1].kind == "closed"
    assert stages[-2].is_lost
    # Each follow-up is in the stage named as its old status.
    names = {stage.code: stage.name for stage in stages}
    by_lead = {
        row.lead_id: names[row.status] for row in LeadFollowup.objects.filter(agency=used_all)
    }
    assert by_lead == {
        "lead-0": "Nouveau",
        "lead-1": "Contacté",
        "lead-2": "Qualifié",
        "lead-3": "Clos",
    }
    # The other agency gets the seeded pipeline only, and both get the lost reasons.
    assert [stage.code for stage in pipeline_of(used_two)] == SEEDED
    assert list(LostReason.objects.filter(agency=used_two).values_list("label", flat=True)) == [
        "Déjà accompagné",
        "Injoignable",
        "Projet abandonné",
        "Hors secteur",
    ]
    assert PipelineStage.objects.filter(kind="new").count() == 2


@pytest.mark.django_db
def test_a_new_agency_gets_the_seeded_pipeline_on_first_use(paris) -> None:  # type: ignore[no-untyped-def]
    assert [stage.code for stage in pipeline_of(paris)] == SEEDED
    assert [stage.name for stage in pipeline_of(paris)] == [
        "Nouveau",
        "Contacté",
        "Rendez-vous",
        "Visite",
        "Offre",
        "Mandat signé",
        "Perdu",
    ]
    assert PipelineStage.objects.filter(agency=paris).count() == len(SEEDED)
