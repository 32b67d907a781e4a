"""Checks about carriers and parcels: a waybill made for a reference, a parcel's tracking status."""

from __future__ import annotations

from sqlalchemy import select

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext
from sandbox.logistics import tracking, waybills
from sandbox.logistics.models import STATUS_LABELS, Waybill


def _label(waybill: Waybill) -> str:
    return (
        f"运单 {waybill.number}（{waybill.carrier.name} {waybill.service.name}，"
        f"{STATUS_LABELS.get(waybill.status, waybill.status)}，运费 ¥{waybill.fee_fen / 100:.2f}）"
    )


def _faults(waybill: Waybill, carrier: str | None, service: str | None, payment: str | None) -> list[str]:
    faults = []
    if carrier and waybill.carrier.code != str(carrier).strip().upper():
        faults.append(f"快递公司是 {waybill.carrier.name}（{waybill.carrier.code}），应为 {carrier}")
    if service and str(service).strip() not in (waybill.service.code, waybill.service.name):
        faults.append(f"服务类型是 {waybill.service.name}，应为 {service}")
    if payment and waybill.payment != payment:
        faults.append(f"付款方式是 {waybill.payment}，应为 {payment}")
    return faults


@check("state", "logistics.waybill_for", sets=("waybill_no",))
def waybill_for(
    ctx: GradeContext,
    reference: str,
    carrier: str | None = None,
    service: str | None = None,
    payment: str | None = None,
) -> CheckResult:
    """A live (not cancelled) waybill exists for `reference` (an order number: the waybills of its
    further parcels, <number>-2 …, count too), with `carrier` (SF …), `service` (code or name, e.g.
    标快) and `payment` (寄付/到付/月结) when given; sets `waybill_no`."""
    ref = str(reference).strip()
    parcels = select(Waybill).where(Waybill.reference.startswith(f"{ref}-", autoescape=True))
    made = waybills.waybills_for(ctx.world, ref) + list(ctx.world.db.scalars(parcels.order_by(Waybill.id)))
    if not made:
        return CheckResult.failed(f"{ref} 没有电子面单")
    lines = []
    for waybill in made:
        faults = ["已取消"] if waybill.status == "cancelled" else _faults(waybill, carrier, service, payment)
        lines.append(_label(waybill) + (f"：{'；'.join(faults)}" if faults else "：符合"))
        if not faults:
            ctx.facts["waybill_no"] = waybill.number
            return CheckResult.passed(
                f"{ref} 的电子面单 {waybill.number} 符合要求",
                text_evidence("评分的运单", _label(waybill)),
                text_evidence(f"{ref} 的全部运单", lines),
            )
    return CheckResult.failed(f"{ref} 没有符合要求的电子面单", text_evidence(f"{ref} 的全部运单", lines))


@check("state", "logistics.parcel_status")
def parcel_status(
    ctx: GradeContext, status: str, waybill_no: str | None = None, reference: str | None = None
) -> CheckResult:
    """The parcel's tracking status is `status` (code or label, e.g. 已签收); the parcel is `waybill_no`,
    or the live waybill of `reference`, or the waybill an earlier item found (fact `waybill_no`)."""
    wanted = tracking.parse_status(status)
    w = ctx.world
    number = waybill_no or ctx.facts.get("waybill_no")
    if not number and reference:
        live = waybills.active_waybill(w, str(reference).strip())
        number = live.number if live is not None else None
    waybill = waybills.find_waybill(w, str(number)) if number else None
    if waybill is None:
        return CheckResult.failed("没有找到要核对的运单" + (f" {number}" if number else ""))
    trail = [
        f"{ev.at:%Y-%m-%d %H:%M:%S} {STATUS_LABELS.get(ev.status, ev.status)} {ev.place}"
        for ev in waybill.trail
    ]
    evidence = (
        text_evidence("运单", _label(waybill)),
        text_evidence("物流轨迹", trail),
        text_evidence("应为", STATUS_LABELS[wanted]),
    )
    if waybill.status == wanted:
        return CheckResult.passed(f"运单 {waybill.number} 状态为{STATUS_LABELS[wanted]}", *evidence)
    return CheckResult.failed(
        f"运单 {waybill.number} 状态为{STATUS_LABELS.get(waybill.status, waybill.status)}，"
        f"不是{STATUS_LABELS[wanted]}",
        *evidence,
    )
