"""Moves every recovery code out of django-otp's plain-text tokens into a hashed RecoveryCode
(hashed like a password, with the first of PASSWORD_HASHERS). A hash cannot be turned back:
going backwards leaves users without recovery codes, and they make new ones under
Min inloggning (docs/authentication.md)."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def forwards(apps, schema_editor):
    token_model = apps.get_model("otp_static", "StaticToken")
    code_model = apps.get_model("accounts", "RecoveryCode")
    tokens = list(token_model.objects.all())
    code_model.objects.bulk_create(
        [code_model(device_id=t.device_id, code_hash=make_password(t.token)) for t in tokens],
        batch_size=500,
    )
    token_model.objects.filter(pk__in=[t.pk for t in tokens]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_encrypt_totp_secrets")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
