"""Why a case moved to another meeting (the chair postponed it, or a closed or cancelled meeting
moved it), whether its registrant has seen the notice, and the e-mail that tells them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mbt", "0009_history_for_existing_preparations_and_postponements"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpostponement",
            name="cause",
            field=models.CharField(
                choices=[
                    ("bordlagt", "Bordlagt"),
                    ("ej_hunnet", "Hanns inte med"),
                    ("samtycke", "Väntade på samtycke"),
                    ("lamnat", "Hade lämnat dagordningen"),
                    ("sen", "Sen anmälan utan beslut"),
                    ("installt", "Mötet ställdes in"),
                    ("utan_mote", "Flyttat från ett möte som redan var avslutat"),
                ],
                default="bordlagt",
                max_length=10,
                verbose_name="orsak",
            ),
        ),
        migrations.AddField(
            model_name="historicalpostponement",
            name="seen_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sedd av anmälaren"),
        ),
        migrations.AddField(
            model_name="postponement",
            name="cause",
            field=models.CharField(
                choices=[
                    ("bordlagt", "Bordlagt"),
                    ("ej_hunnet", "Hanns inte med"),
                    ("samtycke", "Väntade på samtycke"),
                    ("lamnat", "Hade lämnat dagordningen"),
                    ("sen", "Sen anmälan utan beslut"),
                    ("installt", "Mötet ställdes in"),
                    ("utan_mote", "Flyttat från ett möte som redan var avslutat"),
                ],
                default="bordlagt",
                max_length=10,
                verbose_name="orsak",
            ),
        ),
        migrations.AddField(
            model_name="postponement",
            name="seen_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sedd av anmälaren"),
        ),
        migrations.AlterField(
            model_name="remindermail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("deadline", "Sista anmälningsdag närmar sig"),
                    ("agenda", "Dagordningen är klar"),
                    ("aterkoppling", "Försenad återkoppling"),
                    ("flyttat", "Anmälda ärenden flyttade"),
                ],
                max_length=12,
            ),
        ),
    ]
