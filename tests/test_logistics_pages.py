"""Logistics pages (tracking, price list, fee quote) and the grader checks about waybills and parcels."""

from __future__ import annotations

from graders.checks import CHECKS, load_builtin
from graders.context import GradeContext
from sandbox.logistics import tracking, waybills
from tests.test_logistics_services import RECEIVER, SENDER


def _waybill(candidates, client, reference: str = "ORDER-1", advance: int = 0) -> str:  # noqa: ANN001
    w = candidates.world(client, read_only=False)
    made = waybills.create_waybill(
        w,
        carrier_code="SF",
        service="特快",
        sender=SENDER,
        receiver=RECEIVER,
        goods="蓝牙耳机",
        weight_g=800,
        parcels=1,
        payment="寄付",
        reference=reference,
    )
    for _ in range(advance):
        tracking.advance(w, made.number)
    number = made.number
    w.commit()
    w.close()
    return number


def test_tracking_page_shows_the_trail_with_masked_receiver(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    number = _waybill(candidates, client, advance=5)
    page = client.get(f"/logistics/track?no={number.lower()}").get_data(as_text=True)
    assert f'data-number="{number}"' in page and 'data-status="signed"' in page
    assert page.count("<li class=") == 6 and "已签收，签收人：王**" in page
    assert "王小明" not in page and "13912345678" not in page
    client.get("/lang/en")
    page = client.get(f"/logistics/track?no={number}").get_data(as_text=True)
    assert "Delivered, signed by 王**" in page and "Tracking history" in page


def test_unknown_or_hostile_numbers_are_a_clear_404(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    for number in ("SF000000000000", "<script>", "x" * 500, "%00"):
        resp = client.get("/logistics/track", query_string={"no": number})
        assert resp.status_code == 404 and "没有找到运单号为" in resp.get_data(as_text=True)
    assert client.get("/logistics/track").status_code == 200
    assert client.get("/logistics/").status_code == 200


def test_price_list_and_quote(candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    page = client.get("/logistics/prices").get_data(as_text=True)
    assert 'data-carrier="SF" data-service="express"' in page and "15.00 / 3.00" in page
    q = {"carrier": "SF", "service": "特快", "from": "浙江省", "to": "北京市", "weight_g": "2500"}
    page = client.get("/logistics/prices", query_string=q).get_data(as_text=True)
    assert 'data-fee="4700"' in page  # 23.00 + 2 × 12.00
    for bad in ({"weight_g": "0"}, {"weight_g": "1.5"}, {"to": "火星"}, {"service": "次日达"}):
        resp = client.get("/logistics/prices", query_string={**q, **bad})
        assert resp.status_code == 400 and 'data-role="quote-error"' in resp.get_data(as_text=True)


def _grade(rt, candidates, client, name: str, **args):  # noqa: ANN001, ANN003, ANN202
    load_builtin()
    w = candidates.world(client)
    try:
        ctx = GradeContext(rt.scenarios.get("b2c-purchase"), {}, {}, [], w, rt.store.root)
        return CHECKS[("state", name)](ctx, **args), ctx.facts
    finally:
        w.close()


def test_waybill_and_parcel_status_checks(rt, candidates) -> None:  # noqa: ANN001
    client = candidates.login()
    result, _ = _grade(rt, candidates, client, "logistics.waybill_for", reference="ORDER-1")
    assert result.fraction == 0 and "没有电子面单" in result.feedback
    number = _waybill(candidates, client, advance=3)
    result, facts = _grade(rt, candidates, client, "logistics.waybill_for", reference="ORDER-1", carrier="SF")
    assert result.fraction == 1 and facts["waybill_no"] == number and result.evidence
    result, _ = _grade(
        rt, candidates, client, "logistics.waybill_for", reference="ORDER-1", carrier="ZTO", service="标快"
    )
    assert result.fraction == 0 and "应为 ZTO" in str(result.evidence)
    result, _ = _grade(
        rt, candidates, client, "logistics.parcel_status", status="运输中", reference="ORDER-1"
    )
    assert result.fraction == 1 and "物流轨迹" in str(result.evidence)
    result, _ = _grade(rt, candidates, client, "logistics.parcel_status", status="已签收", waybill_no=number)
    assert result.fraction == 0 and "不是已签收" in result.feedback
    result, _ = _grade(rt, candidates, client, "logistics.parcel_status", status="已签收")
    assert result.fraction == 0 and "没有找到" in result.feedback
