"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("jobhax-dummy-password")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# The policy (DESIGN "Passwords"): what a password must not be, each rule with the message that names it.
MIN_LENGTH = 8
COMMON_PASSWORDS_CHECKED = 10_000


def _common_passwords():
    """The first 10,000 entries of the `passwords` frequency list zxcvbn ships, read once at start."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_CHECKED])


_COMMON = _common_passwords()


def password_problem(password, *, username, email):
    """Why ``password`` is refused (the rule it breaks, for the answer's message), or None if it is fine.

    Compared case-insensitively: "Password1" is as guessable as "password1", "JOE" as "joe".
    """
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    folded = password.casefold()
    if folded == (username or "").casefold():
        return "password must not be the username"
    if email and folded == email.casefold():
        return "password must not be the email address"
    if folded in _COMMON:
        return "password is too common"
    return None
