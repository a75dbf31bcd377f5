"""Google and LinkedIn tokens at rest: Fernet with a key derived from ``jobhax.secret_key``.

HKDF turns the secret key (any string of 32+ characters) into the 32 bytes Fernet needs;
the ``info`` label keeps this key distinct from anything else derived from the same secret.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"jobhax provider tokens v1"

__all__ = ["InvalidToken", "decrypt", "encrypt"]


@functools.lru_cache(maxsize=4)
def _fernet(secret_key):
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(settings, token):
    return _fernet(settings["jobhax.secret_key"]).encrypt(token.encode("utf-8")).decode("ascii")


def decrypt(settings, ciphertext):
    """The token; raises ``InvalidToken`` if the secret key changed since it was stored."""
    return _fernet(settings["jobhax.secret_key"]).decrypt(ciphertext.encode("ascii")).decode("utf-8")
