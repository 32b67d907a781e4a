"""Password hashing for the control plane (strong) and for simulated in-world secrets (fast)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

# Real logins (examiners, candidates' tickets) use Werkzeug's default (scrypt) unless
# SANDBOX_LOGIN_HASH names another method (the test suite uses a cheap one to stay fast).
# In-world secrets (a simulated bank card's payment password) are exam props, re-created for every
# attempt: a lighter PBKDF2 keeps a new world within its millisecond budget while still never
# storing a secret in clear.
WORLD_METHOD = "pbkdf2:sha256:5000"
LOGIN_METHOD = os.environ.get("SANDBOX_LOGIN_HASH", "scrypt")

# A strong hash takes a core for about 0.1 s. When a whole hall logs in within a minute, hashes running
# side by side in every worker would take every core from the pages of those already working: this
# many run at once on the machine (one core is always left to the pages), the others wait their turn.
STRONG_HASH_SLOTS = max(1, (os.cpu_count() or 2) - 1)
_local_slots = threading.BoundedSemaphore(STRONG_HASH_SLOTS)
_slot_dir: Path | None = None


def share_slots(folder: Path) -> None:
    """Count strong hashes across the processes that share `folder` (the data folder: gunicorn's
    workers); without it, per process only."""
    global _slot_dir
    folder.mkdir(parents=True, exist_ok=True)
    _slot_dir = folder


@contextmanager
def strong_hash_slot() -> Iterator[None]:
    """Hold one of the machine's strong-hash slots (a lock on a slot file) while hashing."""
    with _local_slots:
        if _slot_dir is None:
            yield
            return
        order = list(range(STRONG_HASH_SLOTS))
        random.shuffle(order)
        fds = [os.open(_slot_dir / f".strong-hash-{i}.lock", os.O_RDWR | os.O_CREAT, 0o600) for i in order]
        try:
            for fd in fds:  # a free slot, if there is one
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    continue
            else:
                fcntl.flock(fds[0], fcntl.LOCK_EX)  # all taken: wait for one
            yield
        finally:
            for fd in fds:
                os.close(fd)  # closing releases the lock


def _strong(stored_or_method: str) -> bool:
    """Whether a hash (or a method) is a login's, not an in-world secret's light one."""
    return stored_or_method.partition("$")[0] != WORLD_METHOD


def hash_login_password(password: str) -> str:
    """Hash a control-plane password."""
    if not _strong(LOGIN_METHOD):
        return generate_password_hash(password, method=LOGIN_METHOD)
    with strong_hash_slot():
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
    """True when `given` matches the stored hash (a strong one waits for a slot)."""
    if not stored:
        return False
    if not _strong(stored):
        return check_password_hash(stored, given)
    with strong_hash_slot():
        return check_password_hash(stored, given)
