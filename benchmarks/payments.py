"""Payments on a real world file: prints `trades <N> per s` and `journal <N> per s`.

A trade is the whole platform path, in process, one unit of work (committed) each: the merchant
signs a page.pay request, the platform checks it and creates the trade, the buyer pays with a test
card (one journal entry), the platform signs and delivers the notification, and the merchant's
receiver verifies the signature, the app id and the amount and deduplicates by notify id before
answering `success`. A journal transfer is one bare `bank.transfer`, committed. The ratio is what
the platform layer costs on top of the money movement.
"""

from __future__ import annotations

import argparse
import json
import time

from _common import temp_app

from sandbox.bank import services as bank
from sandbox.control import attempts as attempt_service
from sandbox.control import people
from sandbox.gateway import cashier
from sandbox.gateway import services as gateway
from sandbox.worlds.store import open_world

NOTIFY_PREFIX = "/bench/notify/"
AMOUNT_FEN = 1234


class Merchant:
    """The merchant's side: signs requests, verifies notifications like a shop would."""

    def __init__(self, app_id: str, private_pem: str, platform_pem: str) -> None:
        self.app_id, self.private_pem, self.platform_pem = app_id, private_pem, platform_pem
        self.seen: set[str] = set()

    def page_pay(self, w, out_trade_no: str) -> dict[str, str]:  # noqa: ANN001
        params = {
            "app_id": self.app_id,
            "method": "alipay.trade.page.pay",
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": f"{w.now():%Y-%m-%d %H:%M:%S}",
            "version": "1.0",
            "biz_content": json.dumps(
                {
                    "out_trade_no": out_trade_no,
                    "total_amount": f"{AMOUNT_FEN // 100}.{AMOUNT_FEN % 100:02d}",
                    "subject": "benchmark",
                    "product_code": "FAST_INSTANT_TRADE_PAY",
                }
            ),
        }
        params["sign"] = gateway.sign(params, self.private_pem)
        return params

    def receive(self, w, url: str, params: dict[str, str]) -> str:  # noqa: ANN001
        ok = (
            gateway.verify(params, self.platform_pem)
            and params.get("app_id") == self.app_id
            and params.get("total_amount") == f"{AMOUNT_FEN // 100}.{AMOUNT_FEN % 100:02d}"
            and params.get("notify_id") not in self.seen
        )
        if ok:
            self.seen.add(params["notify_id"])
        return "success" if ok else "fail"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trades", type=int, default=200)
    parser.add_argument("--transfers", type=int, default=1000)
    args = parser.parse_args()

    app = temp_app()
    rt = app.extensions["sandbox"]
    scenario = rt.scenarios.get("b2c-purchase")
    db = rt.control.session()
    exam = people.create_exam(db, "BENCH", "benchmark", [scenario.id])
    cand = people.add_candidate(db, exam, "B00001", "考生", "bench-pass")
    db.commit()
    attempt = attempt_service.start_attempt(rt, db, scenario, candidate=cand)
    db.close()
    buyer_card = attempt.identities[0]["account_no"]

    w = open_world(attempt.world_path)
    shop_account = bank.find_account(w, buyer_card)  # any account: the merchant settles here
    app_row = gateway.open_merchant(w, name="压测商户", settlement_account_no=shop_account.number)
    private_pem, public_pem = gateway.generate_key_pair()
    gateway.set_app_public_key(w, app_row, public_pem)
    gateway.set_app_urls(w, app_row, notify_url=f"https://mall.sim{NOTIFY_PREFIX}1", return_url="")
    merchant = Merchant(app_row.app_id, private_pem, gateway.platform_public_key(w))
    gateway.register_notify_receiver(NOTIFY_PREFIX, merchant.receive)
    card = cashier.TEST_CARDS[0]
    cashier.test_card_account(w, card, AMOUNT_FEN * (args.trades + 1))  # funded once, up front
    w.commit()

    started = time.perf_counter()
    for i in range(args.trades):
        trade = gateway.create_trade(w, merchant.page_pay(w, f"B{i:08d}"))
        cashier.pay_with_card(w, trade, card.number, "123456", None)
        w.commit()
    trade_seconds = time.perf_counter() - started
    assert len(merchant.seen) == args.trades, "every notification verified and acknowledged"

    payer = bank.find_account(w, buyer_card)
    payee = bank.find_account(w, card.number)
    started = time.perf_counter()
    for _ in range(args.transfers):
        bank.transfer(w, payer, payee, 1, "benchmark", "BENCH")
        w.commit()
    journal_seconds = time.perf_counter() - started
    w.close()

    print(f"trades {args.trades / trade_seconds:.0f} per s")
    print(f"journal {args.transfers / journal_seconds:.0f} per s")
    print(f"ratio {(args.transfers / journal_seconds) / (args.trades / trade_seconds):.1f}")


if __name__ == "__main__":
    main()
