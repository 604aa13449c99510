"""Sessions opened with a password alone, before the second factor existed, end here: everyone
logs in again once, with the second factor or through the identity provider."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_enrolment_codes_and_case_insensitive_hsa_id"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunSQL("DELETE FROM django_session", migrations.RunSQL.noop)]
