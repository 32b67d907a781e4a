"""UI check helpers: look at pages as a given role would, through Playwright; evidence screenshots.

The UI checks themselves live with the domain whose pages they look at (e.g. graders.checks.orders)."""

from __future__ import annotations

from graders.context import GradeContext


def screenshot(ctx: GradeContext, name: str, locator=None) -> dict:  # noqa: ANN001
    """Save a screenshot as evidence."""
    path = ctx.evidence_dir / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    (locator or ctx.ui.page).screenshot(path=str(path))
    return {"type": "screenshot", "label": name, "path": path.name}
