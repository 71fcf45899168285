"""The password rules (operations/accounts/passwords.py): length, not only whitespace, not common
or guessable (zxcvbn), and the field named; the hashes and their check."""

from __future__ import annotations

import pytest

from fairnotice.errors import BadInput
from fairnotice.operations.accounts import passwords

REFUSED = {
    "password12": "is a common password or too easy to guess",
    " " * 12: "must not be only spaces",
    "\t \u00a0" * 4: "must not be only spaces",
    "qwertzuiop": "is a common password or too easy to guess",
    "iloveyou123": "is a common password or too easy to guess",
    "1234567890": "is a common password or too easy to guess",
    "aaaaaaaaaaaa": "is a common password or too easy to guess",
    "Passwort1234": "is a common password or too easy to guess",
    "short": "must have at least 10 characters",
    "x" * 1001: "must have at most 1000 characters",
}


@pytest.mark.parametrize("password", sorted(REFUSED))
def test_weak_passwords_are_refused_naming_the_field(password: str) -> None:
    with pytest.raises(BadInput) as refused:
        passwords.check(password, name="new password")
    ((field, message),) = refused.value.problems
    assert field == "new password" and getattr(field, "template", "") == "new password"
    assert message == REFUSED[password]


def test_a_password_made_of_the_users_own_name_and_address_is_guessable() -> None:
    own = ("lena.vogel@muster-partner.example", "Lena Vogel")
    for guessable in ("lena.vogel@muster-partner.example", "muster-partner.example"):
        assert passwords.problems(guessable, user_inputs=own)
        assert passwords.problems(guessable) == []  # the same words, someone else's


@pytest.mark.parametrize(
    "password", ["a long passphrase", "violet kettle orbit", "Tr0ub4dor&3x", "ö" * 3 + "jkl4 qpz"]
)
def test_good_passwords_pass(password: str) -> None:
    assert passwords.problems(password) == []


def test_a_long_password_is_judged_by_its_start_not_refused_for_length() -> None:
    assert passwords.problems("violet kettle orbit " * 40) == []


def test_hashes_are_argon2_and_only_the_right_password_matches() -> None:
    stored = passwords.hashed("violet kettle orbit")
    assert stored.startswith("$argon2id$")
    assert passwords.matches(stored, "violet kettle orbit")
    assert not passwords.matches(stored, "violet kettle orbit ")
    assert not passwords.matches(None, "violet kettle orbit")
    assert not passwords.matches("not a hash", "x")
