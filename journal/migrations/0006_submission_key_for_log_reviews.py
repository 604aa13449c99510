"""A one-time submission key on log reviews: a form sent twice records one review."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0005_accesslog_partitioned_by_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicallogreview",
            name="submission_key",
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="logreview",
            name="submission_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
    ]
