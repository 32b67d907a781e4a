"""Short-lived signed logins bound to one attempt and role (for graders, and for test harnesses)."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "sandbox-signed-login"
# A grader's browser session lasts as long as one grading run may reasonably take.
GRADER_SESSION_SECONDS = 900
READ_ONLY_ROLES = {"buyer"}
# "candidate" acts for the attempt's owner; only harnesses (verify, tests, benchmarks) enable it.
WRITABLE_ROLES = {"candidate"}


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def issue(secret: str, attempt_id: int, role: str, **claims: Any) -> str:
    """A token for /signed-login/<token>."""
    if role not in READ_ONLY_ROLES | WRITABLE_ROLES:
        raise ValueError(f"unknown role {role!r}")
    return _serializer(secret).dumps({"attempt": attempt_id, "role": role, **claims})


def verify(secret: str, token: str, max_age: int = 900) -> dict[str, Any] | None:
    """The token's claims, or None if forged or expired."""
    try:
        return _serializer(secret).loads(token, max_age=max_age)
    except BadSignature:
        return None
