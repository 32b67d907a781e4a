"""Password hashing for the control plane (strong) and for simulated in-world secrets (fast)."""

from __future__ import annotations

import hashlib
import os

from werkzeug.security import check_password_hash, generate_password_hash

# Real logins (examiners, candidates' tickets) use Werkzeug's default (scrypt) unless
# SANDBOX_LOGIN_HASH names another method (the test suite uses a cheap one to stay fast).
# In-world secrets (a simulated bank card's payment password) are exam props, re-created for every
# attempt: a lighter PBKDF2 keeps a new world within its millisecond budget while still never
# storing a secret in clear.
WORLD_METHOD = "pbkdf2:sha256:5000"
LOGIN_METHOD = os.environ.get("SANDBOX_LOGIN_HASH", "scrypt")


def hash_login_password(password: str) -> str:
    """Hash a control-plane password."""
    return generate_password_hash(password, method=LOGIN_METHOD)


def hash_world_secret(secret: str, salt: str | None = None) -> str:
    """Hash a simulated in-world password. A template's NPC logins pass a `salt` drawn from the world's
    seed, so that the same seed builds the same world byte for byte (the format is Werkzeug's)."""
    if salt is None:
        return generate_password_hash(secret, method=WORLD_METHOD)
    iterations = int(WORLD_METHOD.rsplit(":", 1)[1])
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), iterations).hex()
    return f"{WORLD_METHOD}${salt}${digest}"


def check_secret(stored: str | None, given: str) -> bool:
    """True when `given` matches the stored hash."""
    return bool(stored) and check_password_hash(stored, given)
