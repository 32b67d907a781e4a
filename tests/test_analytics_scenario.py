"""The shop-data-analysis scenario's fixed choices fit the world its overlay makes: each week is a whole
Monday-to-Sunday week inside the 28 recorded days before the world's epoch, each product is one of the
sample goods a shop without goods gets, and over the whole period the planted product worth promoting is
found (the scenario's solutions are proven by `scenarios verify`, tests/test_graders.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import yaml

from sandbox.analytics import services
from seed_data import analytics_seed
from seed_data.generate import EPOCH

FOLDER = Path(__file__).parent.parent / "scenarios" / "shop-data-analysis"


def spec() -> dict:
    return yaml.safe_load((FOLDER / "scenario.yaml").read_text(encoding="utf-8"))


def test_the_weeks_and_goods_fit_the_recorded_shop() -> None:
    params = spec()["params"]
    (traffic,) = params["analytics"]["choice"]
    last = EPOCH.date() - timedelta(days=1)
    first = last - timedelta(days=traffic["days"] - 1)
    for week in params["week"]["choice"]:
        start, end = date.fromisoformat(week["start"]), date.fromisoformat(week["end"])
        assert start.weekday() == 0 and end - start == timedelta(days=6), week
        assert first <= start and end <= last, week
        assert f"{start.month}月{start.day}日（周一）至{end.month}月{end.day}日（周日）" == week["zh"]
    names = [name for name, _ in analytics_seed.SAMPLE_PRODUCTS[: traffic["products"]]]
    assert sorted(params["product"]["choice"]) == sorted(names)


def test_the_planted_star_is_the_one_to_promote(w) -> None:  # noqa: ANN001
    from tests.test_analytics_services import free_shop

    shop = free_shop(w)
    for key in ("s1", "s2", "s3", "s4"):
        w.db.rollback()
        made = services.generate(w, shop.id, shop.name, key)
        whole = services.DateRange(made.first_day, made.last_day)
        assert services.promote_candidate(w, made, whole).id == made.plan["star"]
        assert services.best_source(w, made, whole) == "search"
