"""What the banks charge and allow: the cross-bank fee table, transfer limits, the arrival delay."""

from __future__ import annotations

from datetime import timedelta

from sandbox.errors import N_

# Cross-bank transfers through online banking (跨行转账): (up to this amount in fen, fee in fen).
# Transfers within one bank are free.
INTERBANK_FEE_TIERS: tuple[tuple[int, int], ...] = (
    (200_000, 200),  # up to ¥2,000.00: ¥2.00
    (500_000, 500),  # up to ¥5,000.00: ¥5.00
    (1_000_000, 1_000),  # up to ¥10,000.00: ¥10.00
    (5_000_000, 1_500),  # up to ¥50,000.00: ¥15.00
)
# Above the last tier: 0.03% of the amount (rounded to the fen), at most ¥50.00.
INTERBANK_RATE_PER_10000 = 3
INTERBANK_FEE_CAP_FEN = 5_000

# A cross-bank transfer reaches the other bank this long (world time) after it is sent.
INTERBANK_DELAY = timedelta(minutes=30)

# One transfer may move at most this much (fen): personal and enterprise online banking.
PERSONAL_LIMIT_FEN = 20_000_000  # ¥200,000.00
ENTERPRISE_LIMIT_FEN = 500_000_000  # ¥5,000,000.00


def interbank_fee(amount_fen: int) -> int:
    """The fee, in fen, for sending `amount_fen` to another bank."""
    for up_to, fee in INTERBANK_FEE_TIERS:
        if amount_fen <= up_to:
            return fee
    return min((amount_fen * INTERBANK_RATE_PER_10000 + 5_000) // 10_000, INTERBANK_FEE_CAP_FEN)


def fee_table() -> list[tuple[int | None, int | None, int | None, str]]:
    """Rows for the pages: (from fen, up to fen or None, fee fen or None, a rule msgid or '')."""
    rows: list[tuple[int | None, int | None, int | None, str]] = []
    low = 1
    for up_to, fee in INTERBANK_FEE_TIERS:
        rows.append((low, up_to, fee, ""))
        low = up_to + 1
    rows.append((low, None, None, N_("金额的 0.03%%，最高 50.00 元")))
    return rows
