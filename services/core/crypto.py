"""Encryption at rest for platform credentials (Fernet, with a key derived from SECRET_KEY)."""
from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


@cache
def _fernet(secret_key: str) -> Fernet:
    from cryptography.fernet import Fernet  # ~7 MiB: loaded when the first credentials are sealed, not at start

    derived = hashlib.pbkdf2_hmac('sha256', secret_key.encode(), b'anonymous-creations/credentials', 200_000)
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_credentials(credentials: dict[str, str], secret_key: str) -> str:
    return _fernet(secret_key).encrypt(json.dumps(credentials).encode()).decode('ascii')


def decrypt_credentials(token: str, secret_key: str) -> dict[str, str]:
    """The credentials; an empty dict when there are none or they were sealed with another key."""
    if not token:
        return {}
    from cryptography.fernet import InvalidToken

    try:
        return json.loads(_fernet(secret_key).decrypt(token.encode('ascii')))
    except (InvalidToken, ValueError):
        return {}
