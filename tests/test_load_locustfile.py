"""The exam-hall load test (benchmarks/load/) works: what the simulated candidates read off the pages,
and a short headless Locust run of three candidates against the embedded server, after which each has
logged in, paid an order at the cashier and saved its number on the answer sheet. No timing is checked
here: the figures are what benchmarks/load/run.py prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from sandbox.control.models import Attempt
from sandbox.orders.models import Order, PaymentStatus
from sandbox.worlds.store import open_world

LOAD = Path(__file__).resolve().parent.parent / "benchmarks" / "load"
sys.path.insert(0, str(LOAD))
import pages  # noqa: E402

PANEL = """
<aside class="taskpanel"><div class="task" data-task="address">在地址簿中添加收货地址：收货人 林小雨，手机 13912345678，
浙江省 杭州市 西湖区，详细地址 文三路 90 号，3 幢 201 室，邮编 310012。</div>
<div class="task" data-task="buy">购买 3 件「Type-C 快充数据线」，规格“颜色：白色 / 长度：1米”，寄往上述地址，配送方式任选。</div>
<dl class="identity" data-identity="buyer"><dd data-id="account_no">6222020000000001</dd>
<dd data-id="payment_password">246810</dd></dl></aside>
<script async src="/replay/recorder.js" data-attempt="7"></script>
"""


def test_task_panel_is_read_as_the_candidate_reads_it() -> None:
    task = pages.read_task(PANEL.replace("\n浙江省", "浙江省"))
    assert (task.product_name, task.quantity, task.attempt_id) == ("Type-C 快充数据线", 3, 7)
    assert task.options == {"颜色": "白色", "长度": "1米"}
    assert task.address["detail"] == "文三路 90 号，3 幢 201 室"
    assert (task.address["district"], task.address["postcode"]) == ("西湖区", "310012")
    assert task.identity["payment_password"] == "246810"


def test_a_page_without_what_the_next_step_needs_is_an_error() -> None:
    with pytest.raises(pages.PageError):
        pages.read_task("<aside class='taskpanel'></aside>")
    with pytest.raises(pages.PageError):
        pages.variant_sku(
            '<label data-sku="S1" data-options="{&#34;颜色&#34;: &#34;黑色&#34;}">', {"颜色": "白色"}
        )
    sku = pages.variant_sku(
        '<label data-sku="S2" data-options="{&#34;颜色&#34;: &#34;白色&#34;}">', {"颜色": "白色"}
    )
    assert sku == "S2"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/shop/p/P00012?x=1", "/shop/p/[code]"),
        ("/shop/orders/202612010001/pay", "/shop/orders/[no]/pay"),
        ("/shop/orders/202612010001", "/shop/orders/[no]"),
        ("http://127.0.0.1:5000/gateway/cashier/2026T1/pay-card", "/gateway/cashier/[trade]/pay-card"),
        ("/shop/search?q=耳机", "/shop/search"),
    ],
)
def test_requests_are_counted_by_route_template(url: str, name: str) -> None:
    assert pages.route_name("GET", url) == name


def test_three_candidates_log_in_pay_and_answer_under_locust(tmp_path: Path) -> None:
    work, figures = tmp_path / "load", tmp_path / "figures.json"
    cmd = [sys.executable, str(LOAD / "run.py"), "--users", "3", "--ramp", "2", "--duration", "90"]
    cmd += ["--think", "0.1-0.3", "--until-done", "--workdir", str(work), "--json", str(figures)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert figures.exists(), done.stdout + done.stderr
    result = json.loads(figures.read_text())
    assert result["errors"] == [], done.stdout
    assert all(row["failures"] == 0 for row in result["phases"]), done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    outcomes = result["outcomes"]
    assert (outcomes.get("logged_in"), outcomes.get("orders_paid"), outcomes.get("answers_saved")) == (
        3,
        3,
        3,
    )

    # What the server kept: three attempts, each world with one paid order, its number on the sheet.
    engine = create_engine(f"sqlite:///{work / 'data' / 'control.sqlite'}")
    with Session(engine) as db:
        attempts = list(db.scalars(select(Attempt)))
    engine.dispose()
    assert len(attempts) == 3
    for attempt in attempts:
        world = open_world(attempt.world_path, read_only=True)
        try:
            paid = list(world.db.scalars(select(Order).where(Order.payment_status == PaymentStatus.PAID)))
            total = world.db.scalar(select(func.count(Order.id)))
        finally:
            world.close()
        assert (len(paid), total) == (1, 1)
        assert attempt.answers.get("order_no") == paid[0].number
