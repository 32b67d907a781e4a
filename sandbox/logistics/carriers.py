"""Carriers, their services and fee tables: which zone a route is in and what a parcel costs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sandbox.errors import N_, DomainError
from sandbox.logistics.models import Carrier, CarrierService, FeeRate, ProvinceArea
from sandbox.worlds.world import World

REMOTE_AREA = "偏远"
GRAMS_PER_KG = 1000


@dataclass(frozen=True)
class Quote:
    """What a parcel costs with one service: the zone, the kilograms charged and the fee in fen."""

    zone: int
    chargeable_kg: int
    fee_fen: int


def carriers(w: World) -> list[Carrier]:
    """Every carrier of the world, in the order of the price list."""
    return list(w.db.scalars(select(Carrier).order_by(Carrier.position, Carrier.id)))


def get_carrier(w: World, code: str) -> Carrier:
    """The carrier with `code` (SF, ZTO …); DomainError if the world has none."""
    carrier = w.db.scalars(select(Carrier).where(Carrier.code == str(code or "").strip().upper())).first()
    if carrier is None:
        raise DomainError(N_("没有这家快递公司：%(code)s"), code=str(code)[:20])
    return carrier


def get_service(carrier: Carrier, service: str) -> CarrierService:
    """The carrier's service by its code (standard …) or its name (标快 …); DomainError otherwise."""
    text = str(service or "").strip()
    for s in carrier.services:
        if text in (s.code, s.name):
            return s
    raise DomainError(N_("%(carrier)s没有“%(service)s”这种服务"), carrier=carrier.name, service=text[:20])


def areas(w: World) -> dict[str, str]:
    """Province → area, as the carriers' zones use it."""
    return {a.province: a.area for a in w.db.scalars(select(ProvinceArea).order_by(ProvinceArea.id))}


def zone_for(w: World, from_province: str, to_province: str) -> int:
    """The fee zone of a route: 1 within a province, 2 within an area, 3 across, 4 remote."""
    known = areas(w)
    for province in (from_province, to_province):
        if province not in known:
            raise DomainError(N_("不支持的省份：%(province)s"), province=str(province)[:20])
    if REMOTE_AREA in (known[from_province], known[to_province]):
        return 4
    if from_province == to_province:
        return 1
    return 2 if known[from_province] == known[to_province] else 3


def chargeable_kg(weight_g: int) -> int:
    """Kilograms charged: every started kilogram counts."""
    return max(1, -(-weight_g // GRAMS_PER_KG))


def quote(w: World, service: CarrierService, from_province: str, to_province: str, weight_g: int) -> Quote:
    """The fee of `weight_g` grams from one province to another with `service`."""
    zone = zone_for(w, from_province, to_province)
    rate = w.db.scalars(select(FeeRate).where(FeeRate.service_pk == service.id, FeeRate.zone == zone)).one()
    kg = chargeable_kg(weight_g)
    return Quote(zone, kg, rate.first_kg_fen + (kg - 1) * rate.extra_kg_fen)
