"""Steps of this paper: the shared certificate steps (graders/steps/pki.py), and reading the letters."""

from __future__ import annotations

import re
from typing import Any

from graders.steps.pki import choose, import_p12, obtain, revoke

__all__ = ["choose", "import_p12", "obtain", "revoke"]

REASONS = {
    "签名无效（内容被篡改）": "tampered",
    "证书已吊销": "revoked",
    "签发者不受信任": "untrusted",
    "证书已过期": "expired",
}


def revoke_leaked(page: Any, ctx: Any, reason: str = "key_compromise") -> None:
    """Revoke the certificate the identity started with (its password is on the task panel)."""
    revoke(page, ctx, reason, ctx.identity("holder")["cert_password"])


def read_letters(page: Any, ctx: Any) -> dict[str, str]:
    """Open the three letters and note each one's verdict: {"1": "valid", "2": "revoked", …}."""
    verdicts = {}
    for number in ("1", "2", "3"):
        page.goto(ctx.url("/mail/"))
        page.get_by_role("link", name=re.compile(f"【{number}】")).first.click()
        verdict = page.locator('[data-role="signature"]')
        verdict.wait_for()
        verdicts[number] = verdict.get_attribute("data-outcome")
    return verdicts


def bad_letter(verdicts: dict[str, str]) -> tuple[str, str]:
    """The letter whose signature is not valid, and its reason as the answer sheet lists it."""
    number, outcome = next((n, o) for n, o in verdicts.items() if o != "valid")
    return number, outcome
