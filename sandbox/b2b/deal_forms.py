"""The deal's own document types, on the document engine's registry: 询价单, 报价单, 还价单, 订单受理单 and
收货确认单. The deal also uses the engine's 采购订单, 购销合同, 配送单 and 商业发票."""

from __future__ import annotations

from sandbox.b2b import forms
from sandbox.b2b.forms import PAYMENT_TERMS, REMARKS, TAX_RATES, UNITS, DocType, Field
from sandbox.errors import N_


def _goods_columns(priced: bool) -> tuple[Field, ...]:
    columns = (
        Field("name", N_("货物名称"), group="goods", max_len=60),
        Field("spec", N_("规格型号"), required=False, group="goods", max_len=60),
        Field("unit", N_("单位"), "choice", group="goods", choices=UNITS),
        Field("qty", N_("数量"), "int", group="goods"),
    )
    if not priced:
        return columns
    return (
        *columns,
        Field("unit_price", N_("单价（元）"), "money", group="goods"),
        Field("amount", N_("金额（元）"), "money", required=False, group="goods"),
    )


def _totals() -> tuple[Field, ...]:
    return (
        Field("tax_rate", N_("税率（%）"), "choice", group="totals", choices=TAX_RATES),
        Field("total_amount", N_("合计金额（元）"), "money", required=False, group="totals"),
        Field("tax_amount", N_("税额（元）"), "money", required=False, group="totals"),
        Field("grand_total", N_("价税合计（元）"), "money", required=False, group="totals"),
    )


def _register(doc_type: DocType) -> DocType:
    """Register once (the module may be imported again by a reloading test)."""
    return forms.REGISTRY.get(doc_type.code) or forms.register(doc_type)


INQUIRY = _register(
    DocType(
        code="inquiry",
        label=N_("询价单"),
        prefix="XJ",
        money=False,
        fields=(
            Field("buyer_name", N_("询价方"), group="parties", max_len=60),
            Field("seller_name", N_("被询价方"), group="parties", max_len=60),
            Field("listing_ref", N_("供求信息编号"), required=False, max_len=20),
            Field("delivery_place", N_("交货地点"), max_len=120),
            REMARKS,
        ),
        columns=_goods_columns(priced=False),
        actions={},
    )
)

QUOTATION = _register(
    DocType(
        code="quotation",
        label=N_("报价单"),
        prefix="BJ",
        fields=(
            Field("seller_name", N_("报价方"), group="parties", max_len=60),
            Field("buyer_name", N_("询价方"), group="parties", max_len=60),
            Field("inquiry_ref", N_("询价单号"), required=False, max_len=40),
            Field("valid_until", N_("报价有效期至"), "date"),
            Field("delivery_place", N_("交货地点"), max_len=120),
            Field("payment_terms", N_("付款方式"), "choice", choices=PAYMENT_TERMS),
            *_totals(),
            REMARKS,
        ),
        columns=_goods_columns(priced=True),
        actions={"accept": "accepted", "reject": "rejected"},
    )
)

COUNTER_OFFER = _register(
    DocType(
        code="counter_offer",
        label=N_("还价单"),
        prefix="HJ",
        fields=(
            Field("buyer_name", N_("还价方"), group="parties", max_len=60),
            Field("seller_name", N_("报价方"), group="parties", max_len=60),
            Field("quotation_ref", N_("报价单号"), max_len=40),
            *_totals(),
            REMARKS,
        ),
        columns=_goods_columns(priced=True),
        actions={"accept": "accepted", "reject": "rejected"},
    )
)

ORDER_ACCEPTANCE = _register(
    DocType(
        code="order_acceptance",
        label=N_("订单受理单"),
        prefix="SL",
        money=False,
        fields=(
            Field("seller_name", N_("供货方"), group="parties", max_len=60),
            Field("buyer_name", N_("采购方"), group="parties", max_len=60),
            Field("order_ref", N_("采购订单号"), max_len=40),
            Field("ship_date", N_("预计发货日期"), "date"),
            REMARKS,
        ),
        columns=_goods_columns(priced=False),
        actions={},
    )
)

RECEIPT = _register(
    DocType(
        code="receipt_confirmation",
        label=N_("收货确认单"),
        prefix="SH",
        money=False,
        fields=(
            Field("buyer_name", N_("收货单位"), group="parties", max_len=60),
            Field("seller_name", N_("发货单位"), group="parties", max_len=60),
            Field("delivery_ref", N_("配送单号"), max_len=40),
            Field("received_date", N_("收货日期"), "date"),
            REMARKS,
        ),
        columns=(
            *_goods_columns(priced=False)[:3],
            Field("shipped_qty", N_("发货数量"), "int", group="goods"),
            Field("qty", N_("实收数量"), "int", group="goods"),
        ),
        actions={},
    )
)
