"""B2B deals: prints `deals <N> per s`, the whole document chain of a deal at the service level in one
world (inquiry, quotation, counter-offer, contract signed by both parties with their certificates,
purchase order, order acceptance, delivery note, receipt confirmation, invoice, payment entered and
released by the approver), many deals in a row. `python benchmarks/b2b.py` runs in under a minute.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from sandbox.b2b import companies, contracts, credit_code, deals, delivery, npc_deals, settlement  # noqa: E402
from sandbox.b2b.listing_models import Listing  # noqa: E402
from sandbox.bank import accounts, enterprise  # noqa: E402
from sandbox.bank import services as bank  # noqa: E402
from sandbox.bank.models import AccountKind, EnterpriseRole  # noqa: E402
from sandbox.logistics import tracking  # noqa: E402
from sandbox.pki import store  # noqa: E402
from sandbox.worlds.store import WorldStore, open_world  # noqa: E402
from seed_data.generate import build_world  # noqa: E402

RULES = {"markup_percent": 5, "accept_within_percent": 3, "short_by": 1}


def purchaser(w):  # noqa: ANN001, ANN201
    """An approved purchaser with an enterprise account, its operator and approver, and a certificate."""
    company = companies.open_company(
        w,
        name="杭州云帆贸易有限公司",
        code=credit_code.make_code("330106", 4242),
        email="bench@mail.sim",
        address="浙江省杭州市西湖区文三路100号",
        contact_name="王敏",
        contact_phone="13812345678",
    )
    first = bank.all_banks(w)[0]
    account = bank.open_account(
        w,
        bank_code=first.code,
        number=bank.new_card_number(w, first),
        holder=company.name,
        kind=AccountKind.ENTERPRISE,
    )
    bank.fund(w, account, 10**11)
    company.bank_account_no = account.number
    accounts.add_enterprise_user(
        w, account, EnterpriseRole.OPERATOR, "王敏", "pass1234", "123456", "jbbench1"
    )
    approver = accounts.add_enterprise_user(
        w, account, EnterpriseRole.APPROVER, "李娜", "pass1234", "654321", "fhbench1"
    )
    signing = {
        "owner": company.email,
        "entry_id": npc_deals.signing_entry(w, company),
        "password": store.npc_password(w, company.email),
    }
    return company, approver, signing


def one_deal(w, company, approver, signing, listing) -> None:  # noqa: ANN001
    """The whole chain of one deal, the NPC supplier answering by the paper's rules."""

    def npc() -> None:
        npc_deals.supplier_answers(w, RULES, SimpleNamespace(payload={"deal_id": deal.id}))

    deal = deals.inquire(w, company.id, listing_id=listing.id, quantity="100")
    npc()
    quoted = deals.latest(w, deal, "quotation").lines[0]["unit_price"]
    deals.counter(w, company.id, deal.id, deals.forms.yuan(quoted - 30))
    npc()
    contracts.sign_contract(w, company.id, deal.id, **signing)
    deals.place_order(w, company.id, deal.id)
    npc()
    npc_deals.supplier_ships(w, {"deal_id": deal.id, "short_by": 1}, None)
    while tracking.next_status(delivery.of(w, deal).waybill) is not None:  # the carrier delivers
        tracking.advance(w, deal.tracking_no)
    deals.confirm_receipt(w, company.id, deal.id, "99")
    npc()
    payment = settlement.pay(w, company.id, deal.id, deals.forms.yuan(settlement.amounts(w, deal).due))
    enterprise.approve_payment(w, approver, payment.bank_payment_no, "654321")
    assert settlement.settle(w, deal) and contracts.signed_by_both(w, deal)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to run deals (default 15)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sandbox-bench-b2b-"))
    path, _ = WorldStore(folder).ensure_template("bench-b2b", build_world)
    w = open_world(path)
    company, approver, signing = purchaser(w)
    listing = w.db.scalars(select(Listing).where(Listing.product == "保温杯", Listing.kind == "supply")).one()
    npc_deals.signing_entry(w, listing.company)  # the supplier's certificate, issued once
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        one_deal(w, company, approver, signing, listing)
        count += 1
    elapsed = time.perf_counter() - started
    w.db.rollback()
    w.close()
    print(f"deals {count / elapsed:.1f} per s ({count} deals, 10 documents and 2 signatures each)")


if __name__ == "__main__":
    main()
