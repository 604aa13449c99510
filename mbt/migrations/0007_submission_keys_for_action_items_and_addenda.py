"""One-time submission keys on action items and addenda: a form sent twice writes one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mbt", "0006_reminder_mails_per_recipient"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionitem",
            name="submission_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="addendum",
            name="submission_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="historicalactionitem",
            name="submission_key",
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicaladdendum",
            name="submission_key",
            field=models.UUIDField(blank=True, db_index=True, editable=False, null=True),
        ),
    ]
