"""One place where numbers from URLs and query strings become ints, or are refused.

Every id in a path goes through the `int` converter installed here (ASCII digits, at most the
database's 64-bit range: anything else is a 404, never an overflow deep in the database). Every
number in a query string goes through `query_int` (a 400 with a message in the user's language).
Money typed as yuan goes through `parse_yuan`. NaN, infinities, other scripts' digits and
10,000-digit numbers are refused the same way everywhere.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter

from sandbox.errors import N_, DomainError

# The largest id a database column may hold (SQLite INTEGER, PostgreSQL BIGINT).
MAX_DB_INT = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


class DbIdConverter(IntegerConverter):
    """`<int:x>` accepting only ASCII digits within the database's integer range."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001, ANN002, ANN003
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Make every `<int:…>` route parameter a bounded database id; refuse NUL characters in input."""
    app.url_map.converters["int"] = DbIdConverter

    @app.before_request
    def _refuse_nul() -> None:
        # No text a user types holds a NUL, and PostgreSQL cannot store one: refused, nothing changes.
        values = list(request.args.values())  # a NUL in the path simply matches no page (404)
        form_types = ("application/x-www-form-urlencoded", "multipart/form-data")
        size_ok = (request.content_length or 0) <= (current_app.config.get("MAX_CONTENT_LENGTH") or 0)
        if request.method == "POST" and request.mimetype in form_types and size_ok:
            values.extend(request.form.values())
        if any("\x00" in v for v in values):
            raise DomainError(N_("提交的内容不能有控制字符，未作任何修改"))


def parse_int(raw: str | None, name: str, *, low: int = 0, high: int = MAX_DB_INT) -> int:
    """A whole number typed or sent as text, within [low, high]; DomainError (400) otherwise."""
    text = (raw or "").strip()
    if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise DomainError(
            N_("参数 %(name)s 必须是 %(low)s 到 %(high)s 之间的整数"), name=name, low=low, high=high
        )
    return int(text)


def query_int(name: str, default: int | None = None, *, low: int = 0, high: int = MAX_DB_INT) -> int | None:
    """The query argument `name` as an int (default when absent or blank); DomainError (400) if bad."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return default
    return parse_int(raw, name, low=low, high=high)


def parse_yuan(raw: str | None, *, high_fen: int = 10**9) -> int | None:
    """An amount typed in yuan (at most two decimals) as fen; blank means None."""
    text = (raw or "").strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        raise DomainError(N_("金额必须是数字，最多两位小数"))
    try:
        fen = int(Decimal(text) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern already refuses what Decimal cannot read
        raise DomainError(N_("金额必须是数字，最多两位小数")) from None
    if fen > high_fen:
        raise DomainError(N_("金额超出范围"))
    return fen
