"""Partial solution: the certificate is installed, but both mails go out plain (neither signed nor
encrypted); the partner's serial is found."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))
import steps  # noqa: E402

# applied 10 + issued 15 + installed 15 + serial 15; neither mail is secure (0 + 0)
EXPECTED_SCORE = 55


def solve(page: Any, ctx: Any) -> None:
    """Obtain the certificate, then forget the security options."""
    steps.obtain(page, ctx)
    steps.send(page, ctx, "certtest@ca.mail.sim", "数字证书测试", f"测试码：{ctx.params['code']}")
    partner = ctx.params["partner"]
    steps.send(page, ctx, partner["email"], "报价单", f"报价：{ctx.params['price']} 元")
    steps.answer(page, ctx, "serial", steps.partner_serial(page, ctx))
