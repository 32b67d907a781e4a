"""The carriers' part of a world template: provinces' areas, carriers, services and fee tables.

Everything comes from the fixed lists (seed_data/lists.py), so every template has the same carriers.
"""

from __future__ import annotations

from sandbox.logistics.models import Carrier, CarrierService, FeeRate, ProvinceArea
from sandbox.worlds.world import World
from seed_data.lists import CARRIERS, LOGISTICS_AREAS


def populate(w: World) -> None:
    """Add the areas and the carriers with their services and fee rates."""
    for area, provinces in LOGISTICS_AREAS.items():
        for province in provinces:
            w.db.add(ProvinceArea(province=province, area=area))
    for position, spec in enumerate(CARRIERS, start=1):
        carrier = Carrier(
            code=spec["code"],
            name=spec["name"],
            waybill_prefix=spec["prefix"],
            waybill_digits=spec["digits"],
            max_parcel_g=spec["max_kg"] * 1000,
            hotline=spec["hotline"],
            position=position,
        )
        w.db.add(carrier)
        for s_pos, (code, name, days, fees) in enumerate(spec["services"], start=1):
            service = CarrierService(carrier=carrier, code=code, name=name, days=days, position=s_pos)
            w.db.add(service)
            for zone, (first, extra) in enumerate(fees, start=1):
                w.db.add(FeeRate(service=service, zone=zone, first_kg_fen=first, extra_kg_fen=extra))
    w.db.flush()
