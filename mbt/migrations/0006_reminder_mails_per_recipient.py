"""A reminder is issued once per meeting and kind (the renamed ReminderSent) and delivered as
one ReminderMail per recipient, each sent, and retried, on its own."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.clock


class Migration(migrations.Migration):
    dependencies = [
        ("mbt", "0005_defaults_from_project_clock"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="ReminderSent", new_name="MeetingReminder"),
        migrations.AlterField(
            model_name="meetingreminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("deadline", "Sista anmälningsdag närmar sig"),
                    ("agenda", "Dagordningen är klar"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="meetingreminder",
            name="sent_at",
            field=models.DateTimeField(default=core.clock.now, verbose_name="utfärdad"),
        ),
        migrations.CreateModel(
            name="ReminderMail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("deadline", "Sista anmälningsdag närmar sig"),
                            ("agenda", "Dagordningen är klar"),
                            ("aterkoppling", "Försenad återkoppling"),
                        ],
                        max_length=12,
                    ),
                ),
                ("occasion", models.DateField(verbose_name="gäller dag")),
                ("address", models.EmailField(max_length=254, verbose_name="adress")),
                ("subject", models.CharField(max_length=200, verbose_name="ämne")),
                ("body", models.TextField(verbose_name="text")),
                ("created_at", models.DateTimeField(default=core.clock.now)),
                ("expires_at", models.DateTimeField(verbose_name="meningslös efter")),
                ("claimed_until", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.CharField(blank=True, max_length=300)),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="skickad")),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="mbt.meeting",
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("sent_at__isnull", True)),
                        fields=["id"],
                        name="reminder_mail_unsent",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("meeting__isnull", False)),
                        fields=("meeting", "kind", "recipient"),
                        name="reminder_mail_once_per_meeting",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("meeting__isnull", True)),
                        fields=("kind", "recipient", "occasion"),
                        name="reminder_mail_once_per_day",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "aterkoppling"), ("meeting__isnull", True)),
                            models.Q(
                                models.Q(("kind", "aterkoppling"), _negated=True),
                                ("meeting__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="reminder_mail_meeting_by_kind",
                    ),
                ],
            },
        ),
    ]
