"""Rows made before their history existed get a first history record ("+"), dated when they
were made and authored by who made them, so the history starts where the data does."""

from django.db import migrations


def forwards(apps, schema_editor):
    for name, author, moment in (
        ("Preparation", "user", "prepared_at"),
        ("Postponement", "by", "at"),
    ):
        model = apps.get_model("mbt", name)
        historical = apps.get_model("mbt", f"Historical{name}")
        fields = [f.attname for f in model._meta.concrete_fields]
        historical.objects.bulk_create(
            [
                historical(
                    **{field: getattr(row, field) for field in fields},
                    history_date=getattr(row, moment),
                    history_type="+",
                    history_user_id=getattr(row, f"{author}_id"),
                    history_change_reason="",
                )
                for row in model.objects.exclude(
                    pk__in=historical.objects.values_list("id", flat=True)
                ).iterator()
            ],
            batch_size=1000,
        )


def backwards(apps, schema_editor):
    # The history tables themselves go with the previous migration's reversal.
    pass


class Migration(migrations.Migration):
    dependencies = [("mbt", "0008_history_of_preparations_and_postponements")]

    operations = [migrations.RunPython(forwards, backwards)]
