"""Export records made before the query keys were English read the same after the migration."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from leadsportal.exports.models import ExportRecord
from leadsportal.exports.templatetags.exports import export_subject

migration = import_module("leadsportal.exports.migrations.0002_filters_in_english")


@pytest.mark.django_db
def test_old_follow_up_keys_are_renamed_and_the_history_reads_them(manager):
    old = ExportRecord.objects.create(
        username="manager.paris",
        agency_name="Agence Paris Démo",
        family="seller",
        format="csv",
        filters={
            "start": "2026-11-21",
            "end": "2026-11-27",
            "portal": None,
            "statut": "clos",
            "responsable": manager.user.pk,
        },
    )
    untouched = ExportRecord.objects.create(
        username="manager.paris", agency_name="Agence Paris Démo", family="all", format="csv"
    )
    migration.rename_keys(apps, None)
    old.refresh_from_db()
    assert old.filters == {
        "start": "2026-11-21",
        "end": "2026-11-27",
        "portal": None,
        "status": "clos",
        "assignee": manager.user.pk,
        "assignee_name": "manager.paris",
    }
    assert export_subject(old) == (
        "Vendeurs · du 21/11/2026 au 27/11/2026 · suivi : Clos · responsable : manager.paris"
    )
    untouched.refresh_from_db()
    assert untouched.filters == {}
    migration.rename_back(apps, None)
    old.refresh_from_db()
    assert old.filters["statut"] == "clos" and old.filters["responsable"] == manager.user.pk
    assert "status" not in old.filters and "assignee_name" not in old.filters
