"""The lists' query keys are English now: rename the follow-up keys of recorded export filters."""

from django.db import migrations

RENAMED = {"statut": "status", "responsable": "assignee"}


def rename_keys(apps, schema_editor, renamed=RENAMED):
    ExportRecord = apps.get_model("exports", "ExportRecord")
    for record in ExportRecord.objects.exclude(filters={}).iterator():
        filters = dict(record.filters or {})
        if any(old in filters for old in renamed):
            for old, new in renamed.items():
                if old in filters:
                    filters[new] = filters.pop(old)
            ExportRecord.objects.filter(pk=record.pk).update(filters=filters)


def rename_back(apps, schema_editor):
    rename_keys(apps, schema_editor, renamed={new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial")]

    operations = [migrations.RunPython(rename_keys, rename_back)]
