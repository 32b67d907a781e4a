"""NPC actions about orders (`do:` in a scenario's world.events): a merchant ships; the candidate's
shop gets customers who order (and pay through the platform), ask for after-sales and send goods back.

The candidate's shop is the one whose payment settings the candidate keeps (the `merchant` identity's),
or the shop named by `shop`. NPC customers are the world's own members, each given an address and a
bank card of their own the first time they buy; who buys is drawn from the world's seed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from sandbox.bank import services as bank
from sandbox.bank.models import AccountKind, Bank, BankAccount
from sandbox.errors import N_, DomainError
from sandbox.gateway import services as gateway
from sandbox.logistics import npc as carrier_npc
from sandbox.logistics import waybills
from sandbox.orders import aftersales, fulfilment, payments
from sandbox.orders import services as orders
from sandbox.orders.aftersales_models import REASONS, AfterSale, AfterSaleKind
from sandbox.orders.models import FulfilmentStatus, Order, OrderStatus, PaymentStatus
from sandbox.orders.payment_models import SetupManager, ShopPaymentSetup
from sandbox.storefront import services as storefront
from sandbox.storefront.models import Customer, Product, ProductStatus, Shop
from sandbox.worlds.base import Event
from sandbox.worlds.npc import npc_action
from sandbox.worlds.world import World
from seed_data.lists import REGIONS, STREETS

NPC_NAMES = (
    "陈晓燕", "刘建国", "张丽娟", "王浩然", "李思雨", "赵子涵", "孙志强", "周雨桐",
    "吴俊杰", "郑佳怡", "冯国栋", "何梦琪", "许文博", "高雅婷", "林振宇", "罗欣怡",
)  # fmt: skip
NPC_MAIL_DOMAIN = "npc.mail.sim"


# --- Who buys, from which shop -------------------------------------------------------------------


def _digest(w: World, purpose: str) -> int:
    meta = w.meta()
    return int.from_bytes(
        hashlib.sha256(f"{meta.seed}:{meta.attempt_key}:{purpose}".encode()).digest()[:8], "big"
    )


def candidate_shop(w: World, name: str | None = None) -> Shop:
    """The shop named `name`, or the candidate's own (whose payment settings the candidate keeps)."""
    if name:
        shop = w.db.scalars(select(Shop).where(Shop.name == str(name))).first()
    else:
        q = select(Shop).join(ShopPaymentSetup, ShopPaymentSetup.shop_id == Shop.id)
        shop = w.db.scalars(
            q.where(ShopPaymentSetup.managed_by == SetupManager.CANDIDATE).order_by(Shop.id)
        ).first()
    if shop is None:
        raise DomainError(N_("找不到考生的店铺"))
    return shop


def npc_customer(w: World, n: int) -> Customer:
    """The n-th NPC customer of this world's draw (0, 1, …), with a delivery address."""
    q = select(Customer).where(Customer.by_candidate.is_(False), Customer.password_hash.is_(None))
    people = list(w.db.scalars(q.order_by(Customer.id)))
    if not people:
        raise DomainError(N_("世界中没有可用的顾客"))
    customer = people[(_digest(w, "npc-buyers") + n) % len(people)]
    if not customer.addresses:
        pick = _digest(w, f"npc-address:{customer.id}")
        province = sorted(REGIONS)[pick % len(REGIONS)]
        city = sorted(REGIONS[province])[(pick >> 8) % len(REGIONS[province])]
        districts, prefix = REGIONS[province][city]
        phone = f"13{(pick >> 16) % 10**9:09d}"
        storefront.add_address(
            w,
            customer,
            {
                "recipient": NPC_NAMES[(pick >> 24) % len(NPC_NAMES)],
                "phone": phone,
                "province": province,
                "city": city,
                "district": districts[(pick >> 32) % len(districts)],
                "detail": f"{STREETS[(pick >> 40) % len(STREETS)]}{(pick >> 48) % 300 + 1}号",
                "postcode": f"{prefix}000"[:6],
            },
        )
    return customer


def _card_password(w: World, customer: Customer) -> str:
    return bank.world_secret(w, f"npc-card:{customer.id}", 6, digits=True)


def npc_card(w: World, customer: Customer, need_fen: int) -> BankAccount:
    """The customer's own bank card (opened on first use), holding at least `need_fen`."""
    email = f"{customer.username}@{NPC_MAIL_DOMAIN}"[:120]
    account = w.db.scalars(select(BankAccount).where(BankAccount.email == email)).first()
    if account is None:
        banks = list(w.db.scalars(select(Bank).order_by(Bank.id)))
        the_bank = banks[_digest(w, f"npc-bank:{customer.id}") % len(banks)]
        account = bank.open_account(
            w,
            bank_code=the_bank.code,
            number=bank.new_card_number(w, the_bank),
            holder=customer.addresses[0].recipient if customer.addresses else customer.username,
            kind=AccountKind.PERSONAL,
            payment_password=_card_password(w, customer),
            email=email,
        )
    short = need_fen - bank.balance(w, account)
    if short > 0:
        bank.fund(w, account, short + 10_000, memo="工资")
    return account


def pay_for(w: World, order: Order, customer: Customer) -> None:
    """The customer pays the order at the platform's cashier with their bank card."""
    card = npc_card(w, customer, order.total_fen)
    trade = gateway.create_trade(w, payments.order_payment_request(w, order))
    gateway.pay_with_card(w, trade, card.number, _card_password(w, customer), None)


def _goods(w: World, shop: Shop, args: dict[str, Any]) -> storefront.DirectLine:
    """What the customer buys: `sku`, or the shop's `goods`-th listed product (1-based; drawn if absent)."""
    qty = args.get("qty", 1)
    if args.get("sku"):
        return storefront.direct_line(w, str(args["sku"]), qty)
    q = select(Product).where(Product.shop_id == shop.id, Product.status == ProductStatus.LISTED)
    products = list(w.db.scalars(q.order_by(Product.id)))
    if not products:
        raise DomainError(N_("店铺中没有在售的商品"))
    index = args.get("goods")
    if index is None:
        product = products[_digest(w, f"npc-goods:{_npc_orders(w, shop)}") % len(products)]
    else:
        if not isinstance(index, int) or not 1 <= index <= len(products):
            raise DomainError(N_("goods 必须是 1 到 %(max)s 之间的整数"), max=len(products))
        product = products[index - 1]
    in_stock = [sku for sku in product.skus if sku.available > 0] or product.skus
    return storefront.direct_line(w, in_stock[0].code, qty)


def _npc_orders(w: World, shop: Shop) -> int:
    return int(w.db.scalar(select(func.count(Order.id)).where(Order.shop_id == shop.id)) or 0)


def place_for(w: World, shop: Shop, args: dict[str, Any]) -> Order:
    """An NPC customer's order in `shop` (see buyer.place_order), paid unless `pay` is false."""
    customer = npc_customer(w, _npc_orders(w, shop) + int(args.get("buyer", 0) or 0))
    line = _goods(w, shop, args)
    method = str(args.get("method", "express"))
    (order,) = orders.place_order(w, customer, customer.addresses[0].id, method, direct=line)
    if args.get("pay", True):
        pay_for(w, order, customer)
    return order


# --- Rule actions --------------------------------------------------------------------------------


@npc_action("merchant.ship_order")
def ship_order(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """Ship the order named by the triggering event, or every paid unshipped order."""
    if trigger is not None and "order_no" in trigger.payload:
        orders.ship_order(w, trigger.payload["order_no"], args.get("carrier", "SF"))
        return
    q = select(Order.number).where(
        Order.status == OrderStatus.OPEN,
        Order.payment_status == PaymentStatus.PAID,
        Order.fulfilment_status == FulfilmentStatus.UNFULFILLED,
    )
    for number in list(w.db.scalars(q.order_by(Order.id))):
        orders.ship_order(w, number, args.get("carrier", "SF"))


@npc_action(fulfilment.AUTO_CONFIRM_ACTION, for_rules=False)
def auto_confirm(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The buyer did not confirm receipt in time: the order completes by itself."""
    fulfilment.auto_confirm(w, str(args["order_no"]))


@npc_action("buyer.place_order")
def buyer_place_order(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """An NPC customer orders from the candidate's shop (or `shop`): `goods` (its n-th listed product,
    1-based; drawn when absent) or `sku`, `qty` (1), `method` (express | sf), and pays through the
    platform by bank card unless `pay: false`; `buyer` shifts who buys (another customer)."""
    place_for(w, candidate_shop(w, args.get("shop")), args)


def _shop_order(w: World, shop: Shop, index: Any) -> Order:
    q = select(Order).where(Order.shop_id == shop.id).order_by(Order.id)
    found = list(w.db.scalars(q))
    if not isinstance(index, int) or not 1 <= index <= len(found):
        raise DomainError(N_("order 必须是 1 到 %(max)s 之间的整数"), max=len(found))
    return found[index - 1]


def _reason_code(text: Any) -> str:
    value = str(text or "other").strip()
    for code, label in REASONS.items():
        if value in (code, label) or label.startswith(value):
            return code
    raise DomainError(N_("未知的售后原因：%(reason)s"), reason=value[:20])


@npc_action("buyer.request_aftersale")
def buyer_request_aftersale(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The buyer of the candidate's shop's `order`-th order (1-based, oldest first) asks for after-sales:
    `kind` (refund_only | return_refund), `reason` (a code or its label, e.g. 尺码或规格不合适),
    `detail`, `amount` (fen; default: the goods' price less discounts, at most what is left to refund)."""
    order = _shop_order(w, candidate_shop(w, args.get("shop")), args.get("order", 1))
    kind = str(args.get("kind", AfterSaleKind.RETURN_REFUND))
    amount = args.get("amount")
    if amount is None:
        amount = min(order.goods_total_fen - order.discount_fen, order.refundable_fen)
    aftersales.request(
        w,
        order,
        kind=kind,
        reason=_reason_code(args.get("reason")),
        detail=str(args.get("detail", "")),
        amount=int(amount),
    )


@npc_action("buyer.ship_return")
def buyer_ship_return(w: World, args: dict[str, Any], trigger: Event | None) -> None:
    """The buyer sends the goods of an after-sale back (on aftersale.return_requested, or `aftersale`):
    a waybill with `carrier` (ZTO) and `service` (standard) to the warehouse, given to the merchant,
    and the carrier moves it on every `after` (+1m) until it is signed."""
    number = args.get("aftersale") or (trigger.payload.get("aftersale_no") if trigger else None)
    aftersale = w.db.scalars(select(AfterSale).where(AfterSale.number == str(number or ""))).first()
    if aftersale is None:
        raise DomainError(N_("售后申请不存在"))
    order = aftersale.order
    sender = fulfilment.receiver_of(order)
    waybill = waybills.create_waybill(
        w,
        carrier_code=str(args.get("carrier", "ZTO")),
        service=str(args.get("service", "standard")),
        sender=sender,
        receiver={**fulfilment.WAREHOUSE, "name": f"{order.shop.name}售后"[:30]},
        goods="、".join(dict.fromkeys(i.get("name", i["sku"]) for i in aftersale.lines))[:100] or "退货",
        weight_g=max(1, aftersale.pieces) * fulfilment.GRAMS_PER_PIECE,
        parcels=1,
        payment="寄付",
        reference=aftersale.number,
    )
    aftersales.ship_return(w, aftersale, waybill.carrier.name, waybill.number)
    every = str(args.get("after", "+1m"))
    carrier_npc.carrier_advance(w, {"waybill": waybill.number, "after": every}, None)
