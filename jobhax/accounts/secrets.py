"""Random credentials and the digests we store instead of them.

Tokens and client secrets are high-entropy random strings, so a plain SHA-256 digest
is enough to make a stolen table useless, and lookups by digest stay one index probe.
"""

import hashlib
import secrets

TOKEN_LENGTH = 40
CLIENT_ID_LENGTH = 40
CLIENT_SECRET_LENGTH = 64
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def random_string(length):
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def generate_token(request=None):
    """oauthlib's token_generator signature."""
    return random_string(TOKEN_LENGTH)


def digest(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same_digest(value, expected_digest):
    return secrets.compare_digest(digest(value), expected_digest)
