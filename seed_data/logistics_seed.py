"""The logistics part of a world: provinces' areas, carriers with services and fee tables, the mall
warehouse's locations, suppliers, the carriers' delivery stations with vehicles and routes, every
seeded SKU's opening stock; per attempt, a merchant's warehouse set-up and a dispatcher's login.

Everything in the template comes from fixed lists (seed_data/lists.py and the ones below), so every
template has the same carriers, suppliers and vehicles.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sandbox.logistics import stock
from sandbox.logistics.models import Carrier, CarrierService, FeeRate, ProvinceArea, Route, Station, Vehicle
from sandbox.logistics.stock_models import LocationKind, StockLocation, Supplier
from sandbox.worlds.world import World
from seed_data.fakes import derived_digest, derived_secret
from seed_data.lists import CARRIERS, LOGISTICS_AREAS, REGIONS

# The mall's warehouse (优选商城华东仓) and the virtual locations moves come from and go to.
LOCATIONS = [
    (stock.DEFAULT_LOCATION, "华东仓 存储区", LocationKind.INTERNAL),
    ("WH/A-01", "华东仓 A区01货架", LocationKind.INTERNAL),
    ("WH/A-02", "华东仓 A区02货架", LocationKind.INTERNAL),
    ("WH/B-01", "华东仓 B区01货架", LocationKind.INTERNAL),
    ("WH/B-02", "华东仓 B区02货架", LocationKind.INTERNAL),
    (stock.SUPPLIERS, "供应商", LocationKind.SUPPLIER),
    (stock.CUSTOMERS, "客户", LocationKind.CUSTOMER),
    (stock.LOSS, "盘点损益", LocationKind.LOSS),
]

# (code, name, contact, phone, city, lead days)
SUPPLIERS = [
    ("SUP001", "义乌市恒达日用品有限公司", "陈建国", "0579-85123456", "金华市", 3),
    ("SUP002", "深圳市华强数码配件厂", "林晓峰", "0755-83214567", "深圳市", 2),
    ("SUP003", "杭州四季青服饰批发中心", "王丽华", "0571-86012345", "杭州市", 2),
    ("SUP004", "广州白云美妆供应链有限公司", "黄志明", "020-36123456", "广州市", 3),
    ("SUP005", "苏州工业园区优品家居有限公司", "周文斌", "0512-62123456", "苏州市", 4),
    ("SUP006", "青岛海联食品贸易有限公司", "刘海涛", "0532-80912345", "青岛市", 3),
]

# Licence plate prefix of each city with a delivery station.
PLATES = {
    "北京市": "京A",
    "上海市": "沪A",
    "广州市": "粤A",
    "深圳市": "粤B",
    "杭州市": "浙A",
    "宁波市": "浙B",
    "南京市": "苏A",
    "苏州市": "苏E",
    "成都市": "川A",
    "武汉市": "鄂A",
    "济南市": "鲁A",
    "青岛市": "鲁B",
}
# (kind, capacity kg) of a station's vehicles.
VEHICLE_KINDS = [("电动三轮车", 300), ("厢式货车", 1500), ("小型面包车", 600)]
DRIVER_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
DRIVER_GIVEN = ["师傅", "建华", "志强", "海波", "国庆", "小军", "永刚", "伟", "磊", "勇"]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def populate(w: World) -> None:
    """Add the areas, the carriers with their services and fee rates, the warehouse's locations, the
    suppliers and the carriers' stations with vehicles and routes."""
    for area, provinces in LOGISTICS_AREAS.items():
        for province in provinces:
            w.db.add(ProvinceArea(province=province, area=area))
    carriers = []
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
        carriers.append(carrier)
        for s_pos, (code, name, days, fees) in enumerate(spec["services"], start=1):
            service = CarrierService(carrier=carrier, code=code, name=name, days=days, position=s_pos)
            w.db.add(service)
            for zone, (first, extra) in enumerate(fees, start=1):
                w.db.add(FeeRate(service=service, zone=zone, first_kg_fen=first, extra_kg_fen=extra))
    for position, (code, name, kind) in enumerate(LOCATIONS, start=1):
        w.db.add(StockLocation(code=code, name=name, kind=kind, position=position))
    for code, name, contact, phone, city, days in SUPPLIERS:
        w.db.add(Supplier(code=code, name=name, contact=contact, phone=phone, city=city, lead_days=days))
    w.db.flush()
    _stations(w, carriers)
    w.db.flush()


def _stations(w: World, carriers: list[Carrier]) -> None:
    """Each carrier's station in every city of the regions, three vehicles and two routes each."""
    cities = [(city, districts) for province in REGIONS.values() for city, (districts, _) in province.items()]
    for carrier in carriers:
        for c_no, (city, districts) in enumerate(cities, start=1):
            station = Station(
                code=f"{carrier.code}-{c_no:02d}",
                name=f"{carrier.name}{city.rstrip('市')}分拨网点",
                carrier=carrier,
                city=city,
            )
            w.db.add(station)
            w.db.flush()
            for v_no, (kind, capacity) in enumerate(VEHICLE_KINDS):
                raw = hashlib.sha256(f"{carrier.code}:{city}:{v_no}".encode()).digest()
                tail = "".join(str(b % 10) for b in raw[1:5])
                w.db.add(
                    Vehicle(
                        station_pk=station.id,
                        plate=f"{PLATES[city]}{PLATE_LETTERS[raw[0] % len(PLATE_LETTERS)]}{tail}",
                        kind=kind,
                        capacity_kg=capacity,
                        driver=DRIVER_SURNAMES[raw[5] % len(DRIVER_SURNAMES)]
                        + DRIVER_GIVEN[raw[6] % len(DRIVER_GIVEN)],
                        phone=f"13{raw[7] % 10}{''.join(str(b % 10) for b in raw[8:16])}",
                    )
                )
            half = (len(districts) + 1) // 2
            for r_no, part in enumerate((districts[:half], districts[half:]), start=1):
                if part:
                    w.db.add(
                        Route(
                            station_pk=station.id,
                            code=f"R{r_no}",
                            name=f"{r_no}号线（{'、'.join(part)}）",
                            districts=list(part),
                        )
                    )


def opening_stock(w: World, rows: list[tuple[str, int]]) -> int:
    """Every seeded SKU's opening stock in the mall warehouse's main store (bulk: thousands of SKUs)."""
    return stock.opening_bulk(w, rows)


# --- per attempt --------------------------------------------------------------------------------------

DEFAULT_STATION = {"carrier": "SF", "city": "杭州市"}


def identity_fields(
    seed: int, spec: dict[str, Any], ident: dict[str, Any], earlier: list[dict[str, Any]]
) -> None:
    """Complete a dispatcher identity (in place): the station's dispatch-desk login, no bank card."""
    if spec["role"] != "dispatcher":
        return
    station = {**DEFAULT_STATION, **(spec.get("station") or {})}
    same_role = sum(1 for i in earlier if i["role"] == "dispatcher")
    who = "dispatcher" if same_role == 0 else f"dispatcher{same_role + 1}"
    raw = derived_digest(seed, who, "dispatch")
    ident["station"] = f"{station['carrier']}:{station['city']}"
    ident["dispatch_login"] = f"dd{int.from_bytes(raw[:4], 'big') % 1_000_000:06d}"
    ident["dispatch_password"] = derived_secret(seed, who, "dispatch")
    ident["account_no"] = ident["login_password"] = ident["payment_password"] = ""


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """A dispatcher's login at their station; a merchant's warehouse set-up (`warehouse` of the account):
    goods in the shop with opening stock, a purchase order sent to a supplier who delivers early in
    the attempt, and units of it reserved by an order awaiting payment."""
    from sandbox.scenarios.loader import render_value

    specs = accounts or [{} for _ in identities]
    for ident, spec in zip(identities, specs, strict=False):
        if ident["role"] == "dispatcher":
            _dispatcher(w, ident)
        elif ident["role"] == "merchant" and spec.get("warehouse"):
            _warehouse(w, ident, render_value(spec["warehouse"], params or {}))


def _dispatcher(w: World, ident: dict[str, Any]) -> None:
    from sandbox.logistics import dispatch

    carrier_code, city = ident["station"].split(":", 1)
    station = w.db.scalars(
        select(Station).join(Station.carrier).where(Carrier.code == carrier_code, Station.city == city)
    ).one()
    dispatch.open_dispatcher(w, station, ident["dispatch_login"], ident["dispatch_password"], ident["name"])


# Goods of the merchant's shop in a warehouse scenario: (variant, price fen, unit cost fen).
WAREHOUSE_GOODS = (
    "加厚收纳箱",
    [("小号 30L", 3990, 1800), ("中号 55L", 5990, 2700), ("大号 80L", 7990, 3600)],
)


def _warehouse(w: World, ident: dict[str, Any], spec: dict[str, Any]) -> None:
    """The shop's goods with opening stock in `location`, a sent purchase order for the `sku`-th
    variant (`ordered` units) that the supplier delivers `deliver_after` the start `shortfall` short,
    and `reserved` units of it in an unpaid order."""
    from sandbox.logistics import purchasing
    from sandbox.merchant.models import SellerAccount
    from sandbox.orders import stock as order_stock
    from sandbox.storefront.models import Category, Product, Sku
    from sandbox.worlds.clock import parse_offset
    from sandbox.worlds.npc import schedule

    seller = w.db.scalars(select(SellerAccount).where(SellerAccount.login == ident["shop_login"])).one()
    shop = seller.shop
    category = w.db.scalars(select(Category).where(Category.name == "家居日用")).first()
    category = category or w.db.scalars(select(Category).order_by(Category.position)).first()
    name, variants = WAREHOUSE_GOODS
    product = Product(
        code=f"W{shop.id:04d}",
        name=f"{shop.name} {name}",
        brand=shop.name,
        category=category,
        shop=shop,
        description="加厚PP材质，可叠放，带盖防尘。",
        option_names=["规格"],
    )
    for v_no, (label, price, _cost) in enumerate(variants, start=1):
        product.skus.append(Sku(code=f"W{shop.id:04d}-{v_no:02d}", options={"规格": label}, price_fen=price))
    w.db.add(product)
    w.db.flush()
    where = str(spec.get("location") or "WH/A-01")
    opening = [int(x) for x in spec.get("opening") or [40, 60, 30]]
    for sku, qty in zip(product.skus, opening, strict=False):
        order_stock.opening(w, sku.code, qty, "期初库存", location=where)
    index = int(spec.get("sku") or 1) - 1
    target = product.skus[index]
    cost = variants[index][2]
    if spec.get("supplier"):
        supplier = purchasing.get_supplier(w, spec["supplier"])
    else:  # one of the suppliers, particular to this candidate
        pick = hashlib.sha256(ident["shop_login"].encode()).digest()[0]
        supplier = purchasing.suppliers(w)[pick % len(SUPPLIERS)]
    po = purchasing.create_order(
        w,
        shop.id,
        supplier.code,
        [purchasing.LineInput(target.code, int(spec["ordered"]), cost)],
        expected_on=(w.now() + timedelta(days=supplier.lead_days)).date(),
        note="补货",
    )
    purchasing.send_order(w, shop.id, po.number)
    if spec.get("deliver_after"):
        schedule(
            w,
            w.now() + parse_offset(str(spec["deliver_after"])),
            "supplier.deliver_step",
            po=po.number,
            shortfall=int(spec.get("shortfall") or 0),
            sku=target.code,
        )
    if int(spec.get("reserved") or 0):
        _reserve(w, shop, target, int(spec["reserved"]))


def _reserve(w: World, shop: Any, sku: Any, qty: int) -> None:
    """An NPC customer's order awaiting payment that reserves `qty` units of the SKU."""
    from sandbox.orders import stock as order_stock
    from sandbox.orders.models import SHIPPING_METHODS, Order, OrderLine
    from sandbox.orders.services import next_order_number
    from sandbox.storefront.models import Customer

    customer = w.db.scalars(select(Customer).order_by(Customer.id)).first()
    fee = SHIPPING_METHODS["express"]["fee_fen"]
    order = Order(
        number=next_order_number(w),
        customer_id=customer.id,
        shop_id=shop.id,
        ship_to={
            "recipient": "赵敏",
            "phone": "13700001234",
            "province": "上海市",
            "city": "上海市",
            "district": "徐汇区",
            "detail": "漕溪北路88号",
            "postcode": "200030",
        },
        shipping_method="express",
        shipping_fee_fen=fee,
        goods_total_fen=sku.price_fen * qty,
        total_fen=sku.price_fen * qty + fee,
        placed_at=w.now(),
        lines=[
            OrderLine(
                sku_id=sku.id,
                sku_code=sku.code,
                product_name=sku.product.name,
                options_label=sku.label,
                unit_price_fen=sku.price_fen,
                quantity=qty,
            )
        ],
    )
    w.db.add(order)
    w.db.flush()
    order_stock.allocate(w, sku.code, qty, order.number)
    w.emit(
        "order.placed",
        order_no=order.number,
        customer_id=customer.id,
        total_fen=order.total_fen,
        actor="system",
    )
