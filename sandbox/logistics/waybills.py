"""Electronic waybills (电子面单): checked input, a number in the carrier's format, the fee; one live
waybill per reference (a parcel, an order) until it is cancelled."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import select

from sandbox.errors import N_, Conflict, DomainError, NotFound
from sandbox.logistics import carriers
from sandbox.logistics.models import PAYMENTS, Carrier, ParcelStatus, TrackingEvent, Waybill
from sandbox.worlds.world import World

MAX_PARCELS = 50
MAX_GOODS = 100
MAX_REFERENCE = 64
# Party fields: (key, Chinese label, required, longest).
PARTY_FIELDS = (
    ("name", "姓名", True, 30),
    ("phone", "电话", True, 20),
    ("province", "省份", True, 20),
    ("city", "城市", True, 30),
    ("district", "区县", False, 30),
    ("detail", "详细地址", True, 120),
)
_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
_NUMBER = re.compile(r"[A-Za-z0-9]{1,24}")


def _party(w: World, raw: Any, message: str) -> dict[str, str]:
    """A sender or receiver as clean strings; DomainError(message) naming the bad fields."""
    data = raw if isinstance(raw, dict) else {}
    clean: dict[str, str] = {}
    bad: list[str] = []
    for key, label, required, longest in PARTY_FIELDS:
        value = data.get(key)
        text = " ".join(value.split()) if isinstance(value, str) else ""
        if (required and not text) or len(text) > longest or "\x00" in text:
            bad.append(label)
        clean[key] = text
    if clean["phone"] and not _PHONE.fullmatch(clean["phone"]) and "电话" not in bad:
        bad.append("电话")
    if clean["province"] and clean["province"] not in carriers.areas(w) and "省份" not in bad:
        bad.append("省份")
    if bad:
        raise DomainError(message, fields="、".join(bad))
    return clean


def _whole(value: Any) -> int | None:
    """An int given as an int (not a bool, a float or text), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def active_waybill(w: World, reference: str) -> Waybill | None:
    """The reference's waybill that is not cancelled, if any."""
    q = select(Waybill).where(Waybill.reference == reference, Waybill.status != ParcelStatus.CANCELLED)
    return w.db.scalars(q.order_by(Waybill.id)).first()


def waybills_for(w: World, reference: str) -> list[Waybill]:
    """Every waybill made for a reference, cancelled ones too, oldest first."""
    return list(w.db.scalars(select(Waybill).where(Waybill.reference == reference).order_by(Waybill.id)))


def find_waybill(w: World, number: str) -> Waybill | None:
    """The waybill with this number (spaces and case ignored), or None."""
    text = "".join(str(number or "").split()).upper()
    if not _NUMBER.fullmatch(text):
        return None
    return w.db.scalars(select(Waybill).where(Waybill.number == text)).first()


def get_waybill(w: World, number: str) -> Waybill:
    """The waybill with this number; NotFound otherwise."""
    waybill = find_waybill(w, number)
    if waybill is None:
        raise NotFound(N_("没有找到运单号为 %(number)s 的快件"), number=str(number)[:30])
    return waybill


def _new_number(w: World, carrier: Carrier) -> str:
    """A number in the carrier's format, drawn from the world's seed (the same world gives the same)."""
    meta = w.meta()
    seq = len(w.db.scalars(select(Waybill.id).where(Waybill.carrier_pk == carrier.id)).all())
    while True:
        seq += 1
        key = f"{meta.seed}:{meta.attempt_key}:{carrier.code}:{seq}".encode()
        digits = str(int.from_bytes(hashlib.sha256(key).digest()[:16], "big"))[-carrier.waybill_digits :]
        number = carrier.waybill_prefix + digits.zfill(carrier.waybill_digits)
        if find_waybill(w, number) is None:
            return number


def create_waybill(
    w: World,
    *,
    carrier_code: str,
    service: str,
    sender: dict[str, Any],
    receiver: dict[str, Any],
    goods: str,
    weight_g: int,
    parcels: int,
    payment: str,
    reference: str,
) -> Waybill:
    """Open an electronic waybill with the carrier's number and fee; refused for a reference that
    already has a live waybill, and for bad input (nothing is changed then)."""
    carrier = carriers.get_carrier(w, carrier_code)
    svc = carriers.get_service(carrier, service)
    ref = reference.strip() if isinstance(reference, str) else ""
    if not ref or len(ref) > MAX_REFERENCE:
        raise DomainError(N_("运单必须注明订单号或包裹编号（最多 64 个字符）"))
    src = _party(w, sender, N_("寄件人信息不完整或有误：%(fields)s"))
    dst = _party(w, receiver, N_("收件人信息不完整或有误：%(fields)s"))
    what = " ".join(goods.split()) if isinstance(goods, str) else ""
    if not what or len(what) > MAX_GOODS:
        raise DomainError(N_("请填写物品名称（最多 100 个字符）"))
    count = _whole(parcels)
    if count is None or not 1 <= count <= MAX_PARCELS:
        raise DomainError(N_("件数必须是 1 到 %(max)s 之间的整数"), max=MAX_PARCELS)
    grams = _whole(weight_g)
    if grams is None or grams <= 0:
        raise DomainError(N_("重量必须是以克为单位的正整数"))
    if grams > count * carrier.max_parcel_g:
        raise DomainError(
            N_("重量超出%(carrier)s的上限：每件最多 %(kg)s 公斤"),
            carrier=carrier.name,
            kg=carrier.max_parcel_g // carriers.GRAMS_PER_KG,
        )
    if payment not in PAYMENTS:
        raise DomainError(N_("付款方式只能是寄付、到付或月结"))
    existing = active_waybill(w, ref)
    if existing is not None:
        raise Conflict(
            N_("%(reference)s 已有运单 %(number)s，不能重复下单；如需重开请先取消原运单"),
            reference=ref,
            number=existing.number,
        )
    price = carriers.quote(w, svc, src["province"], dst["province"], grams)
    now = w.now()
    waybill = Waybill(
        number=_new_number(w, carrier),
        carrier=carrier,
        service=svc,
        reference=ref,
        status=ParcelStatus.CREATED,
        sender=src,
        receiver=dst,
        goods=what,
        weight_g=grams,
        parcels=count,
        payment=payment,
        zone=price.zone,
        fee_fen=price.fee_fen,
        created_at=now,
        updated_at=now,
    )
    w.db.add(waybill)
    w.db.add(
        TrackingEvent(
            waybill=waybill,
            at=now,
            status=ParcelStatus.CREATED,
            place=src["city"],
            note=N_("商家已下单，等待%(carrier)s揽收"),
            note_params={"carrier": carrier.name},
        )
    )
    w.db.flush()
    w.emit(
        "waybill.created",
        waybill_no=waybill.number,
        carrier=carrier.code,
        service=svc.code,
        reference=ref,
        fee_fen=waybill.fee_fen,
        weight_g=grams,
        parcels=count,
        payment=payment,
    )
    return waybill


def cancel_waybill(w: World, number: str, reason: str = "") -> Waybill:
    """Cancel a waybill the carrier has not picked up yet; its reference may then get a new one."""
    waybill = get_waybill(w, number)
    if waybill.status != ParcelStatus.CREATED:
        raise Conflict(N_("运单 %(number)s 的快件已揽收或已取消，不能取消"), number=waybill.number)
    waybill.status = ParcelStatus.CANCELLED
    waybill.cancel_reason = str(reason or "")[:100]
    waybill.updated_at = w.now()
    w.db.add(
        TrackingEvent(
            waybill=waybill,
            at=w.now(),
            status=ParcelStatus.CANCELLED,
            place="",
            note=N_("运单已取消"),
            note_params={},
        )
    )
    w.db.flush()
    w.emit(
        "waybill.cancelled",
        waybill_no=waybill.number,
        reference=waybill.reference,
        reason=waybill.cancel_reason,
    )
    return waybill
