"""Steps of this paper: the shared certificate steps (graders/steps/pki.py) and the partner's serial."""

from __future__ import annotations

from typing import Any

from graders.steps.pki import (
    answer,
    apply,
    codes,
    download,
    import_p12,
    obtain,
    send,
    serial_of,
    wait_for_approval,
)

__all__ = ["answer", "apply", "codes", "download", "import_p12", "obtain", "send", "wait_for_approval"]


def partner_serial(page: Any, ctx: Any) -> str:
    """The serial number of the partner's valid certificate, from the CA's directory."""
    return serial_of(page, ctx, ctx.params["partner"]["email"])
