"""The "tout lu" watermark moves from ReadState onto the membership it belongs to."""

from django.db import migrations


def copy_watermarks(apps, schema_editor):
    ReadState = apps.get_model("followup", "ReadState")
    Membership = apps.get_model("agencies", "Membership")
    for state in ReadState.objects.all().iterator():
        Membership.objects.filter(user_id=state.user_id, agency_id=state.agency_id).update(
            leads_read_before=state.all_read_before
        )


def copy_back(apps, schema_editor):
    ReadState = apps.get_model("followup", "ReadState")
    Membership = apps.get_model("agencies", "Membership")
    ReadState.objects.bulk_create(
        ReadState(
            user_id=membership.user_id,
            agency_id=membership.agency_id,
            all_read_before=membership.leads_read_before,
        )
        for membership in Membership.objects.exclude(leads_read_before=None)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0001_initial"),
        ("agencies", "0002_membership_leads_read_before"),
    ]

    operations = [
        migrations.RunPython(copy_watermarks, copy_back),
        migrations.RemoveConstraint(model_name="readstate", name="unique_read_state"),
        migrations.DeleteModel(name="ReadState"),
    ]
