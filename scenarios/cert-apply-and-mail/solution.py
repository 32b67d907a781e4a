"""Reference solution of cert-apply-and-mail: everything through the pages, as a candidate would."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import steps  # noqa: E402


def solve(page: Any, ctx: Any) -> None:
    """Obtain and install the certificate, send the signed and the encrypted mail, answer the serial."""
    steps.obtain(page, ctx)
    steps.send(page, ctx, "certtest@ca.mail.sim", "数字证书测试", f"测试码：{ctx.params['code']}", sign=True)
    serial = steps.partner_serial(page, ctx)
    partner = ctx.params["partner"]
    steps.send(
        page,
        ctx,
        partner["email"],
        "报价单",
        f"{partner['name']}您好：\n报价：{ctx.params['price']} 元\n",
        encrypt=True,
    )
    steps.answer(page, ctx, "serial", serial)
