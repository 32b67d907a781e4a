"""UI checks: look at the pages as a given role would, through Playwright (locators auto-wait)."""

from __future__ import annotations

from graders.checks import CheckResult, check, text_evidence
from graders.context import GradeContext


def screenshot(ctx: GradeContext, name: str, locator=None) -> dict:  # noqa: ANN001
    """Save a screenshot as evidence."""
    path = ctx.evidence_dir / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    (locator or ctx.ui.page).screenshot(path=str(path))
    return {"type": "screenshot", "label": name, "path": path.name}


@check("ui", "storefront.order_shows_status", needs=("order_no", "order_customer_id"))
def order_shows_status(ctx: GradeContext, status: str) -> CheckResult:
    """On 'my orders', the order found earlier shows the given status label."""
    number = ctx.facts.get("order_no")
    if not number:
        return CheckResult.failed("没有可在页面上核对的订单")
    page = ctx.ui.open("/shop/orders/")
    row = page.locator(f'[data-order-no="{number}"]')
    if row.count() == 0:
        return CheckResult.failed(f"“我的订单”页面上找不到订单 {number}", screenshot(ctx, "order-list"))
    shown = row.locator('[data-role="status"]').inner_text().strip()
    evidence = [text_evidence("页面显示状态", shown), screenshot(ctx, "order-row", row)]
    if shown == status:
        return CheckResult(1.0, f"“我的订单”中订单 {number} 显示为“{status}”", evidence)
    return CheckResult(0.0, f"订单 {number} 显示为“{shown}”，应为“{status}”", evidence)
