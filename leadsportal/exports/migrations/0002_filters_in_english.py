"""The lists' query keys are English now: rename the follow-up keys of recorded export filters."""

from django.db import migrations

RENAMED = {"statut": "status", "responsable": "assignee"}


def _name(User, user_id):
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return ""
    full_name = f"{user.first_name} {user.last_name}".strip()
    return full_name or user.username


def rename_keys(apps, schema_editor, renamed=RENAMED, forward=True):
    ExportRecord = apps.get_model("exports", "ExportRecord")
    User = apps.get_model("auth", "User")
    for record in ExportRecord.objects.exclude(filters={}).iterator():
        filters = dict(record.filters or {})
        if any(old in filters for old in renamed):
            for old, new in renamed.items():
                if old in filters:
                    filters[new] = filters.pop(old)
            if forward and filters.get("assignee") is not None:
                # The history now names the person as the export meant them.
                filters["assignee_name"] = _name(User, filters["assignee"])
            if not forward:
                filters.pop("assignee_name", None)
            ExportRecord.objects.filter(pk=record.pk).update(filters=filters)


def rename_back(apps, schema_editor):
    rename_keys(
        apps, schema_editor, renamed={new: old for old, new in RENAMED.items()}, forward=False
    )


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(rename_keys, rename_back)]
