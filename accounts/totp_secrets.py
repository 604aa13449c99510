"""The authenticator apps' TOTP secrets (seeds) encrypted at rest with keys from the environment
(TOTP_ENCRYPTION_KEYS): a copy of the database, a backup, gives nobody a second factor.

AES-256-GCM from `cryptography`, not Fernet: django-otp keeps the seed in an 80-character
column, and a Fernet token of a 20-byte seed is 120 characters, while this one is 70:
"e1:" + base64url(key id 2 bytes + nonce 12 + ciphertext 20 + tag 16). The user's id is bound
in as associated data, so a seed copied into another user's row does not open.

Rotation: the first key encrypts, every listed key decrypts (the key id says which); after
putting a new key first, `manage.py totp_keys --rotate` re-encrypts every seed with it, and the
old key can then be removed. docs/authentication.md says how."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "e1:"
SEED_BYTES_MAX = 27  # what still fits django-otp's 80-character column


def new_key() -> str:
    """A fresh key for TOTP_ENCRYPTION_KEYS: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _keys() -> list[bytes]:
    return [_decode(key) for key in settings.TOTP_ENCRYPTION_KEYS]


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:2]


def _bound_to(user_id: int) -> bytes:
    return f"atergang:totp-seed:{user_id}".encode("ascii")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def encrypt(secret: bytes, *, user_id: int) -> str:
    if not 0 < len(secret) <= SEED_BYTES_MAX:
        raise ValueError("A TOTP seed of 1 to 27 bytes is expected.")
    key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret, _bound_to(user_id))
    blob = _key_id(key) + nonce + sealed
    return PREFIX + base64.urlsafe_b64encode(blob).decode("ascii").rstrip("=")


def decrypt(stored: str, *, user_id: int) -> bytes:
    """The seed; ValueError if it is not encrypted or no listed key opens it (never a guess)."""
    if not is_encrypted(stored):
        raise ValueError("The TOTP seed is stored unencrypted; run the migrations.")
    blob = _decode(stored[len(PREFIX) :])
    key_id, nonce, sealed = blob[:2], blob[2:14], blob[14:]
    for key in _keys():
        if _key_id(key) != key_id:
            continue
        try:
            return AESGCM(key).decrypt(nonce, sealed, _bound_to(user_id))
        except InvalidTag:
            continue
    raise ValueError("No key in TOTP_ENCRYPTION_KEYS opens this TOTP seed.")


def encrypted_with_current_key(stored: str) -> bool:
    if not is_encrypted(stored):
        return False
    return _decode(stored[len(PREFIX) :])[:2] == _key_id(_keys()[0])
