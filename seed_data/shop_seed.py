"""The candidate's own shop (role `merchant`): a shop in the storefront, its back office, its app."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox.orders.payment_models import SetupManager
from sandbox.scenarios.loader import fmt_yuan, render_value
from sandbox.storefront.models import Shop
from sandbox.worlds.world import World
from seed_data.fakes import derived_secret


def merchant_fields(seed: int, ident: dict[str, Any]) -> dict[str, str]:
    """The merchant identity's shop name and back-office login (derived: no drawn value moves)."""
    return {
        "shop_name": f"{ident['name']}的小店",
        "shop_login": ident["email"],
        "shop_password": derived_secret(seed, "merchant", "shop"),
    }


def overlay(
    w: World,
    identities: list[dict[str, Any]],
    accounts: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """Open the merchant identity's shop, settling to its bank card, and its seller-centre login.

    With `shop.open: false` the merchant has only the login and applies for a shop during the attempt.

    Its payment settings are empty unless the account's `shop.payments` is `ready` (keys made and the
    notify URL set, as the world's shops have). A `shop.sale` is an order another identity placed and
    paid through the platform before the attempt began, with the buyer's letter about it.
    """
    specs = [render_value(a.get("shop") or {}, params or {}) for a in accounts or [{} for _ in identities]]
    for ident, spec in zip(identities, specs, strict=False):
        if ident["role"] != "merchant":
            continue
        from sandbox.merchant import accounts as seller_accounts
        from sandbox.orders import payments  # only worlds with a merchant identity need it here

        login = {"login": ident["shop_login"], "password": ident["shop_password"], "name": ident["name"]}
        if spec.get("open") is False:  # the merchant applies for a shop during the attempt (商户入驻)
            seller_accounts.open_account(w, **login, email=ident.get("email", ""))
            continue
        shop = Shop(name=ident["shop_name"], city="", bank_account_no=ident.get("account_no", ""), rating=50)
        w.db.add(shop)
        w.db.flush()
        seller_accounts.open_account(w, **login, email=ident.get("email", ""), shop=shop)
        setup = payments.open_setup(w, shop, managed_by=SetupManager.CANDIDATE)
        if spec.get("payments") == "ready":
            payments.connect(w, setup)
        sale = spec.get("sale")
        if sale:
            buyer = next(i for i in identities if i["role"] == sale["to"])
            _sell(w, shop, ident, buyer, int(sale["amount_fen"]), int(sale.get("refund_fen") or 0))


def _sell(
    w: World, shop: Shop, merchant: dict[str, Any], buyer: dict[str, Any], amount_fen: int, refund_fen: int
) -> None:
    """The buyer's paid order in the merchant's shop, and the buyer's letter asking for a partial refund."""
    from sandbox.gateway import services as gateway
    from sandbox.orders import payments, stock
    from sandbox.orders.models import SHIPPING_METHODS, Order, OrderLine
    from sandbox.orders.services import next_order_number
    from sandbox.storefront.models import Category, Customer, Product, Sku
    from sandbox.worlds import npc

    fee = SHIPPING_METHODS["express"]["fee_fen"]
    category = w.db.scalars(select(Category).order_by(Category.position)).first()
    product = Product(
        code=f"M{shop.id:04d}",
        name=f"{shop.name} 手工皂礼盒",
        brand=shop.name,
        category=category,
        shop=shop,
        description="店主手作，温和洁净。",
        option_names=["规格"],
    )
    sku = Sku(code=f"M{shop.id:04d}-01", options={"规格": "礼盒装"}, price_fen=amount_fen - fee)
    product.skus.append(sku)
    customer = Customer(
        username=f"buyer_{buyer['account_no'][-6:]}",
        phone="13800000000",
        password_hash=None,
        created_at=w.now(),
    )
    w.db.add_all([product, customer])
    w.db.flush()
    stock.opening(w, sku.code, 99, "期初库存")  # stock is moves in the warehouse
    ship_to = {
        "recipient": buyer["name"],
        "phone": "13800000000",
        "province": "北京市",
        "city": "北京市",
        "district": "东城区",
        "detail": "长安街1号",
        "postcode": "100010",
    }
    order = Order(
        number=next_order_number(w),
        customer_id=customer.id,
        shop_id=shop.id,
        ship_to=ship_to,
        shipping_method="express",
        shipping_fee_fen=fee,
        goods_total_fen=sku.price_fen,
        total_fen=amount_fen,
        placed_at=w.now(),
        lines=[
            OrderLine(
                sku_id=sku.id,
                sku_code=sku.code,
                product_name=product.name,
                options_label="规格：礼盒装",
                unit_price_fen=sku.price_fen,
                quantity=1,
            )
        ],
    )
    w.db.add(order)
    w.db.flush()
    stock.allocate(w, sku.code, 1, order.number)
    w.emit(
        "order.placed", order_no=order.number, customer_id=customer.id, total_fen=amount_fen, actor="system"
    )
    trade = gateway.create_trade(w, payments.order_payment_request(w, order))
    gateway.pay_with_card(w, trade, buyer["account_no"], buyer["payment_password"], None)
    npc.run_due(w, [])  # the platform's notification reaches the shop
    if refund_fen:
        letter(
            w,
            buyer,
            merchant,
            f"订单 {order.number} 申请部分退款",
            f"店家您好：\n\n我在贵店购买的订单 {order.number}（{product.name}，实付 ¥{fmt_yuan(amount_fen)}）"
            f"收到后发现外包装破损，礼盒里有一块皂碎了。希望退款 ¥{fmt_yuan(refund_fen)} 作为补偿，"
            f"商品就不退回了。\n\n谢谢！\n{buyer['name']}",
        )


def letter(w: World, buyer: dict[str, Any], merchant: dict[str, Any], subject: str, body: str) -> None:
    """A letter from the buyer to the merchant's mailbox."""
    from sandbox.mail import services as mail

    mail.send(
        w, mail.mailbox_by_address(w, buyer["email"]), [merchant["email"]], subject, body, actor="system"
    )
