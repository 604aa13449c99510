"""Postponements made before registrants were told of them on the start page are history, not
news: they count as seen when they were made."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    apps.get_model("mbt", "Postponement").objects.filter(seen_at__isnull=True).update(
        seen_at=F("at")
    )


def backwards(apps, schema_editor):
    # The column goes with the previous migration's reversal.
    pass


class Migration(migrations.Migration):
    dependencies = [("mbt", "0010_cases_moved_from_closed_meetings")]

    operations = [migrations.RunPython(forwards, backwards)]
