"""The carrier as a party of the deal: the supplier hands the goods to one of the world's carriers with
a real electronic waybill (logistics.waybills), the carrier moves it along on the world clock
(logistics.npc's `carrier.advance`), and the deal's pages show its tracking events. The purchaser
confirms receipt once the parcel is signed for (or earlier, where the scenario allows it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.b2b.company_models import Company
from sandbox.b2b.deal_models import Deal
from sandbox.errors import N_, DomainError
from sandbox.logistics import carriers, tracking, waybills
from sandbox.logistics.models import STATUS_LABELS, Carrier, ParcelStatus, TrackingEvent, Waybill
from sandbox.worlds.world import World

PAYMENT = "寄付"  # the supplier pays the carrier (the contract's price includes delivery)
KG_PER_PARCEL = 10  # what the NPC supplier puts in one parcel, when nobody weighed it
DEFAULT_EVERY = "+30m"  # the carrier scans the parcel on every half hour of the world clock
_CITY = re.compile(r"(.+?(?:自治州|地区|盟|市))")
_DISTRICT = re.compile(r"(.+?(?:新区|区|县|旗|市))")


@dataclass
class Tracking:
    """A deal's parcel: its waybill, carrier, status label and events (newest first)."""

    waybill: Waybill
    events: list[TrackingEvent]

    @property
    def status_label(self) -> str:
        """The parcel's status as the carrier names it (已揽收, 运输中 …)."""
        return STATUS_LABELS.get(self.waybill.status, self.waybill.status)

    @property
    def delivered(self) -> bool:
        """Whether the parcel has been signed for."""
        return self.waybill.status == ParcelStatus.SIGNED


def split_address(w: World, text: str) -> dict[str, str]:
    """An address written in one line (浙江省杭州市西湖区文三路100号) as a waybill's province, city,
    district and detail; the province must be one the carriers know."""
    rest = "".join(str(text or "").split())
    province = next((p for p in sorted(carriers.areas(w), key=len, reverse=True) if rest.startswith(p)), "")
    if not province:
        raise DomainError(N_("地址“%(address)s”没有写明省份，承运单位无法揽收"), address=rest[:40])
    rest = rest[len(province) :]
    city = province  # 北京市、上海市 …: the municipality is its own city
    found = _CITY.match(rest)
    if found and not province.endswith("市"):
        city, rest = found.group(1), rest[found.end() :]
    elif province.endswith("市") and rest.startswith(province):
        rest = rest[len(province) :]
    district = ""
    found = _DISTRICT.match(rest)
    if found and len(found.group(1)) <= 8:
        district, rest = found.group(1), rest[found.end() :]
    return {"province": province, "city": city, "district": district, "detail": rest or district or city}


def _party(w: World, company: Company, address: str) -> dict[str, str]:
    return {
        "name": (company.contact_name or company.name)[:30],
        "phone": company.contact_phone,
        **split_address(w, address),
    }


def parse_kg(text: object) -> int:
    """A weight typed in kilograms (a whole number, or with one decimal) as grams."""
    t = str(text or "").strip()
    if not re.fullmatch(r"[0-9]{1,5}(\.[0-9])?", t) or float(t) <= 0:
        raise DomainError(N_("重量请以公斤为单位填写正数（最多一位小数），例如 12.5"))
    return round(float(t) * 1000)


def parse_whole(text: object, message: str) -> int:
    """A positive whole number typed as text; DomainError(message) otherwise."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        t = str(text or "").strip()
        if not t.isdigit():
            raise DomainError(message)
        value = int(t)
    if value <= 0:
        raise DomainError(message)
    return value


def hand_over(
    w: World,
    deal: Deal,
    qty: int,
    *,
    carrier: str,
    service: str,
    parcels: object = None,
    weight_kg: object = None,
) -> Waybill:
    """The supplier hands `qty` units to a carrier: an electronic waybill from the supplier's address
    to the deal's delivery place, its reference the deal's number."""
    the_carrier = carriers.get_carrier(w, carrier)
    the_service = carriers.get_service(the_carrier, service)
    count = parse_whole(parcels, N_("件数须为正整数")) if parcels not in (None, "") else None
    if count is None:
        count = min(waybills.MAX_PARCELS, max(1, -(-qty // 20)))
    grams = parse_kg(weight_kg) if weight_kg not in (None, "") else count * KG_PER_PARCEL * 1000
    return waybills.create_waybill(
        w,
        carrier_code=the_carrier.code,
        service=the_service.code,
        sender=_party(w, deal.supplier, deal.supplier.address),
        receiver=_party(w, deal.purchaser, deal.delivery_place),
        goods=f"{deal.product} {qty}{deal.unit}"[:100],
        weight_g=grams,
        parcels=count,
        payment=PAYMENT,
        reference=deal.number,
    )


def move_on(w: World, waybill: Waybill, every: str | None = DEFAULT_EVERY) -> None:
    """The carrier picks the parcel up and scans it on, one step every `every`, until it is signed for."""
    if not every:
        return
    from sandbox.logistics import npc

    npc.carrier_advance(w, {"waybill": waybill.number, "after": every}, None)


def of(w: World, deal: Deal) -> Tracking | None:
    """The deal's parcel with its tracking events, once the supplier has shipped."""
    waybill = waybills.find_waybill(w, deal.tracking_no) if deal.tracking_no else None
    if waybill is None:
        return None
    return Tracking(waybill, tracking.trail(w, waybill.number))


def delivered(w: World, deal: Deal) -> bool:
    """Whether the deal's parcel has been signed for."""
    found = of(w, deal)
    return found is not None and found.delivered


def world_carriers(w: World) -> list[Carrier]:
    """The carriers a supplier may choose, with their services."""
    return carriers.carriers(w)
