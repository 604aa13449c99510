"""A generation number on each user: raising it ends all their sessions (second-factor reset)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_defaults_from_project_clock"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaluser",
            name="session_generation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="session_generation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
