"""What a simulated candidate reads off the sandbox's pages: the task panel, forms, product and variant
codes, and the route template a request is counted under. Pure functions over HTML text (no server)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TASK = re.compile(r'<div class="task" data-task="([^"]+)">(.*?)</div>', re.S)
IDENTITY = re.compile(r'<dd data-id="([a-z_]+)">([^<]*)</dd>')
BUY = re.compile(r"购买 (\d+) 件「(.+?)」，规格“(.+?)”")
ADDRESS = re.compile(
    r"收货人 (?P<recipient>.+?)，手机 (?P<phone>\d+)，(?P<province>\S+) (?P<city>\S+) (?P<district>\S+)，"
    r"详细地址 (?P<detail>.+)，邮编 (?P<postcode>\d{6})。"
)
ATTEMPT = re.compile(r'data-attempt="(\d+)"')
PRODUCT_CARD = re.compile(r'data-product="([^"]+)">.*?<span class="name">([^<]*)</span>', re.S)
VARIANT = re.compile(r'data-sku="([^"]+)" data-options="([^"]*)"')
RADIO = re.compile(r'<input type="radio" name="{name}" value="([^"]+)"')

# Route templates, so that stats group by page rather than by order number or product code.
ROUTES = [
    (re.compile(r"^/shop/p/[^/]+$"), "/shop/p/[code]"),
    (re.compile(r"^/shop/img/u/\d+$"), "/shop/img/u/[id]"),
    (re.compile(r"^/shop/img/[^/]+\.svg$"), "/shop/img/[code].svg"),
    (re.compile(r"^/shop/orders/[^/]+/pay$"), "/shop/orders/[no]/pay"),
    (re.compile(r"^/shop/orders/[^/]+/return$"), "/shop/orders/[no]/return"),
    (re.compile(r"^/shop/orders/[^/]+$"), "/shop/orders/[no]"),
    (re.compile(r"^/gateway/cashier/[^/]+/([a-z-]+)$"), r"/gateway/cashier/[trade]/\1"),
    (re.compile(r"^/gateway/cashier/[^/]+$"), "/gateway/cashier/[trade]"),
]


class PageError(Exception):
    """A page lacks what the candidate's next step needs."""


@dataclass
class Task:
    """What the task panel tells the candidate to do, and the identity to do it with."""

    attempt_id: int | None
    product_name: str
    options: dict[str, str]
    quantity: int
    address: dict[str, str]
    identity: dict[str, str] = field(default_factory=dict)


def route_name(method: str, url: str) -> str:
    """`GET /shop/p/[code]`: the request's method and route template (no query string)."""
    path = urlsplit(url).path or "/"
    for pattern, template in ROUTES:
        if pattern.match(path):
            path = pattern.sub(template, path)
            break
    return path


def csrf_token(body: str) -> str | None:
    """The page's CSRF token, if it has a form."""
    found = CSRF.search(body)
    return found.group(1) if found else None


def hidden_fields(body: str) -> dict[str, str]:
    """The hidden inputs of a page (e.g. the shop's signed request to the payment platform)."""
    return {k: html.unescape(v) for k, v in HIDDEN_FIELD.findall(body) if k != "csrf_token"}


def parse_options(text: str) -> dict[str, str]:
    """'颜色：白色 / 长度：1米' -> {'颜色': '白色', '长度': '1米'}."""
    return dict(part.split("：", 1) for part in text.split(" / ") if "：" in part)


def read_task(body: str) -> Task:
    """Read the task panel of a candidate page (zh): product, variant, quantity, address, identity."""
    texts = {tid: html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for tid, text in TASK.findall(body)}
    buy = next((BUY.search(t) for t in texts.values() if BUY.search(t)), None)
    address = next((ADDRESS.search(t) for t in texts.values() if ADDRESS.search(t)), None)
    if buy is None or address is None:
        raise PageError(f"task panel not understood: {sorted(texts)}")
    identity = {k: html.unescape(v) for k, v in IDENTITY.findall(body)}
    if not identity.get("account_no") or not identity.get("payment_password"):
        raise PageError("task panel has no bank card or payment password")
    attempt = ATTEMPT.search(body)
    return Task(
        attempt_id=int(attempt.group(1)) if attempt else None,
        product_name=buy.group(2),
        options=parse_options(buy.group(3)),
        quantity=int(buy.group(1)),
        address=address.groupdict(),
        identity=identity,
    )


def product_code(body: str, name: str) -> str:
    """The code of the search result named exactly `name`."""
    for code, shown in PRODUCT_CARD.findall(body):
        if html.unescape(shown).strip() == name:
            return html.unescape(code)
    raise PageError(f"search results do not list {name!r}")


def variant_sku(body: str, options: dict[str, str]) -> str:
    """The SKU of the product page's variant with exactly these options."""
    for sku, raw in VARIANT.findall(body):
        if json.loads(html.unescape(raw)) == options:
            return html.unescape(sku)
    raise PageError(f"product page has no variant {options!r}")


def radio_values(body: str, name: str) -> list[str]:
    """Values of the radio buttons called `name` (checkout: address_id, shipping_method)."""
    return [html.unescape(v) for v in re.findall(RADIO.pattern.format(name=re.escape(name)), body)]
