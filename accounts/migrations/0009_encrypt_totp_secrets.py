"""Encrypts every TOTP seed still stored in plain hex with the first of TOTP_ENCRYPTION_KEYS;
backwards, decrypts them to hex again. The format is accounts/totp_secrets.py's, copied here so
that this migration keeps working whatever that module becomes."""

import base64
import hashlib
import os
from binascii import hexlify, unhexlify

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import migrations

PREFIX = "e1:"


def _decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _keys():
    return [_decode(key) for key in settings.TOTP_ENCRYPTION_KEYS]


def _key_id(key):
    return hashlib.sha256(key).digest()[:2]


def _bound_to(user_id):
    return f"atergang:totp-seed:{user_id}".encode("ascii")


def forwards(apps, schema_editor):
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    key = _keys()[0]
    for device in device_model.objects.exclude(key__startswith=PREFIX).iterator():
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, unhexlify(device.key), _bound_to(device.user_id))
        blob = _key_id(key) + nonce + sealed
        device.key = PREFIX + base64.urlsafe_b64encode(blob).decode("ascii").rstrip("=")
        device.save(update_fields=["key"])


def backwards(apps, schema_editor):
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    keys = {_key_id(key): key for key in reversed(_keys())}
    for device in device_model.objects.filter(key__startswith=PREFIX).iterator():
        blob = _decode(device.key[len(PREFIX) :])
        key = keys.get(blob[:2])
        if key is None:
            raise RuntimeError(f"No key in TOTP_ENCRYPTION_KEYS opens device {device.pk}.")
        seed = AESGCM(key).decrypt(blob[2:14], blob[14:], _bound_to(device.user_id))
        device.key = hexlify(seed).decode("ascii")
        device.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_totp_secrets_encrypted_and_recovery_codes_hashed")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
