"""Passwords: the rules a new one must meet, its argon2 hash, and checking one.

The rules follow NIST SP 800-63B (ASVS V6.2): at least MIN_PASSWORD characters, not only
whitespace, and not easy to guess. "Easy to guess" is zxcvbn's estimate (Dropbox's
model, MIT): its frequency lists hold the 30,000 most common passwords of the public
breach corpora plus names and words, and it sees through keyboard walks, repeats,
dates, l33t and the user's own name and address. A password it expects to fall within
10^6 guesses (score 0 or 1: "password12", twelve spaces, "qwertzuiop", "iloveyou123")
is refused; anything longer than zxcvbn's 72 characters is judged by those 72.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from fairnotice.errors import N_, BadInput, Phrase

MIN_PASSWORD = 10
MAX_PASSWORD = 1000
_GUESSABLE = 2  # zxcvbn scores below this are refused (fewer than 10^6 guesses)
_SCORED = 72  # zxcvbn's own bound on what it reads

_hasher = PasswordHasher()
# A fixed hash to verify against when the email is unknown: same cost, no user enumeration.
_DUMMY = _hasher.hash("not a password of anyone")


# The fields a password is typed in, named in the viewer's language on the pages.
FIELDS = (N_("password"), N_("new password"), N_("current password"))


def field(name: str = "password") -> Phrase:
    """A form field's name, shown in the viewer's language on the pages."""
    return Phrase(name)


def problems(
    password: str, *, name: str = "password", user_inputs: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """What is wrong with `password` as a new password (empty when it may be used)."""
    where = field(name)
    if len(password) < MIN_PASSWORD:
        return [(where, Phrase("must have at least %(min)s characters", min=MIN_PASSWORD))]
    if len(password) > MAX_PASSWORD:
        return [(where, Phrase("must have at most %(max)s characters", max=MAX_PASSWORD))]
    if not password.strip():
        return [(where, N_("must not be only spaces"))]
    if "\x00" in password:
        return [(where, N_("must not contain a NUL character"))]
    hints = [value.lower() for value in user_inputs]
    hints += [part for value in hints for part in value.replace("@", " ").split()]
    if zxcvbn(password[:_SCORED], user_inputs=hints)["score"] < _GUESSABLE:
        return [(where, N_("is a common password or too easy to guess"))]
    return []


def check(password: str, *, name: str = "password", user_inputs: tuple[str, ...] = ()) -> None:
    """BadInput naming the field unless `password` may be used as a new password."""
    found = problems(password, name=name, user_inputs=user_inputs)
    if found:
        raise BadInput(found)


def hashed(password: str) -> str:
    return _hasher.hash(password)


def matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one of `stored_hash` (None: no such user, same cost)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
