"""Reviews made before their history existed get a first history record ("+"), dated when they
were made and authored by the reviewer."""

from django.db import migrations


def forwards(apps, schema_editor):
    model = apps.get_model("coordination", "FollowUpReview")
    historical = apps.get_model("coordination", "HistoricalFollowUpReview")
    fields = [f.attname for f in model._meta.concrete_fields]
    historical.objects.bulk_create(
        [
            historical(
                **{field: getattr(row, field) for field in fields},
                history_date=row.reviewed_at,
                history_type="+",
                history_user_id=row.user_id,
                history_change_reason="",
            )
            for row in model.objects.exclude(
                pk__in=historical.objects.values_list("id", flat=True)
            ).iterator()
        ],
        batch_size=1000,
    )


def backwards(apps, schema_editor):
    # The history table itself goes with the previous migration's reversal.
    pass


class Migration(migrations.Migration):
    dependencies = [("coordination", "0004_history_of_follow_up_reviews")]

    operations = [migrations.RunPython(forwards, backwards)]
