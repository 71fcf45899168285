"""Secrets kept at rest (mailbox passwords): Fernet, with a key derived by HKDF-SHA256 from
the app's secret (FAIRNOTICE_SECRET_KEY, else the one generated into the data folder).

A sealed value is `fernet1:<token>`. The derivation (salt, info, length) is part of the
stored format: changing it would make every stored password unreadable, so a new one
needs a new prefix. Changing the secret key has the same effect; the worker then reports
each mailbox it cannot open by name instead of logging in with garbage.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fairnotice.errors import FairnoticeError

PREFIX = "fernet1:"
_SALT = b"fairnotice/sealing"
_INFO = b"mailbox passwords v1"


class Unsealable(FairnoticeError):
    """A sealed value that this key cannot open (another key, or a damaged value)."""


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    if not secret:
        raise ValueError("an empty secret cannot seal anything")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(plain: str, secret: str) -> str:
    """The value encrypted and authenticated under the secret's derived key."""
    return PREFIX + _fernet(secret).encrypt(plain.encode("utf-8")).decode("ascii")


def unseal(stored: str, secret: str, *, what: str) -> str:
    """The plain value; a value stored before sealing (no prefix) is returned as it is.
    `what` names the owner in the error ("mailbox 3 (alex@imap.example.org)")."""
    if not is_sealed(stored):
        return stored
    try:
        return _fernet(secret).decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        raise Unsealable(
            f"{what}: the stored password cannot be decrypted with this secret key "
            "(FAIRNOTICE_SECRET_KEY or the data folder's secret_key changed?); "
            "connect the mailbox again"
        ) from None
