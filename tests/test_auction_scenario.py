"""The c2c-auction paper without a browser: the NPC seller lists the lot the first time the candidate signs
in to the auction site (once), one NPC bids at once, the other answers the candidate's bid, and the
candidate's proxy bid of the budget leads at the second maximum plus one increment."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.auction.models import Lot
from sandbox.control import people

PAPER = "c2c-auction"


def test_the_lot_comes_with_the_sign_in_and_the_npcs_bid_below_the_budget(app, rt, candidates) -> None:  # noqa: ANN001
    db = rt.control.session()
    exam = people.create_exam(db, "T-A", "拍卖考试", [PAPER])
    people.add_candidate(db, exam, "A0001", "考生丙", "pass1234")
    db.commit()
    db.close()
    client = candidates.login("A0001")
    attempt = candidates.attempt_of(client)
    me = next(i for i in attempt.identities if i["role"] == "buyer")
    lot_params = attempt.params["lot"]
    for _ in range(2):  # a second sign-in lists nothing more
        client.get("/auction/logout")
        resp = client.post("/auction/login", data={"login": me["email"], "password": me["platform_password"]})
        assert resp.status_code == 302, resp.get_data(as_text=True)
        client.get("/auction/")
    w = candidates.world(client)
    lots = list(w.db.scalars(select(Lot).where(Lot.title == lot_params["title"])))
    assert len(lots) == 1, [(e.name, e.payload) for e in w.events()][-6:]
    lot_id, start = lots[0].id, lots[0].current_price
    assert lots[0].leader.nickname == lot_params["npc_a"]
    assert start == lot_params["start"]
    w.close()
    budget = lot_params["budget"]
    resp = client.post(f"/auction/lot/{lot_id}/bid", data={"max_amount": f"{budget / 100:.2f}"})
    assert resp.status_code == 302
    client.get(f"/auction/lot/{lot_id}")  # the NPC answering the bid runs on the next touch
    w = candidates.world(client)
    lot = w.db.get(Lot, lot_id)
    assert lot.leader.login == me["email"].lower()
    assert lot.current_price == lot_params["npc_b_max"] + lot_params["increment"] <= budget
    assert [b.bidder.nickname for b in lot.bids][-1] == lot_params["npc_b"]
    w.close()
