"""The second factor's secrets at rest: TOTP seeds are encrypted with a key from the
environment (TOTP_ENCRYPTION_KEYS, rotatable), recovery codes are stored hashed. A copy of the
database alone gives nobody a second factor."""

from __future__ import annotations

import base64
import importlib
import os
import re
from binascii import hexlify

import pytest
from django.apps import apps
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.factories import PASSWORD, staff_at, totp_code, with_authenticator

pytestmark = pytest.mark.django_db

CODE = "/accounts/tvafaktor/"


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def stored_rows(table: str) -> str:
    """Everything in a table, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table names)
        return repr(cursor.fetchall())


def test_a_totp_seed_is_stored_encrypted_and_still_gives_the_right_codes(client, unit):
    user = staff_at(unit)
    device = services.totp_enrolment_device(user=user)
    secret_hex = hexlify(device.bin_key).decode()
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert len(device.bin_key) == 20
    stored = stored_rows("otp_totp_totpdevice")
    assert secret_hex not in stored and secret_b32 not in stored
    assert TOTPDevice.objects.get(pk=device.pk).key.startswith("e1:")
    # Confirmed, the encrypted seed verifies codes as before.
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.post(CODE, {"code": totp_code(device)})["Location"] == "/"


def test_recovery_codes_are_stored_hashed_and_each_works_once(client, unit):
    user = staff_at(unit)
    with_authenticator(user)
    codes = services.recovery_codes_replace(user=user)
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    assert not any(code in stored_rows("otp_static_statictoken") for code in codes)
    assert not any(code in stored_rows("accounts_recoverycode") for code in codes)
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.post(CODE, {"code": codes[3].upper()})["Location"] == "/"
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.post(CODE, {"code": codes[3]}).status_code == 400


def test_seeds_stay_readable_through_a_key_rotation(settings, unit):
    old = settings.TOTP_ENCRYPTION_KEYS[0]
    user = staff_at(unit)
    device = with_authenticator(user)
    code_before = totp_code(device)
    # A new key first in the list: old seeds still open; the rotation re-encrypts them.
    settings.TOTP_ENCRYPTION_KEYS = [new_key(), old]
    assert totp_code(device) == code_before
    assert services.totp_secrets_reencrypt() == 1
    settings.TOTP_ENCRYPTION_KEYS = settings.TOTP_ENCRYPTION_KEYS[:1]
    assert totp_code(device) == code_before
    assert services.totp_secrets_reencrypt() == 0
    # Without the key that encrypted it, a seed gives no code at all (never a wrong one).
    settings.TOTP_ENCRYPTION_KEYS = [new_key()]
    device.refresh_from_db()
    with pytest.raises(ValueError, match="TOTP_ENCRYPTION_KEYS"):
        device.bin_key  # noqa: B018


def test_the_migration_encrypts_existing_seeds_and_hashes_existing_codes_reversibly(unit):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from accounts.models import Authenticator, RecoveryCode

    user = staff_at(unit)
    plain = TOTPDevice.objects.create(user=user, name="Gammal app", confirmed=True)
    seed_hex = plain.key
    static = StaticDevice.objects.create(user=user, name="Reservkoder", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    encrypt = importlib.import_module("accounts.migrations.0009_encrypt_totp_secrets")
    hash_codes = importlib.import_module("accounts.migrations.0010_hash_recovery_codes")
    encrypt.forwards(apps, None)
    encrypt.forwards(apps, None)  # twice: an encrypted seed is left alone
    hash_codes.forwards(apps, None)
    stored = Authenticator.objects.get(pk=plain.pk)
    assert stored.key.startswith("e1:") and hexlify(stored.bin_key).decode() == seed_hex
    assert not StaticToken.objects.exists() and RecoveryCode.objects.count() == 1
    assert "abcd2345" not in stored_rows("accounts_recoverycode")
    encrypt.backwards(apps, None)
    assert TOTPDevice.objects.get(pk=plain.pk).key == seed_hex
