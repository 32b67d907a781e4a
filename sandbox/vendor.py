"""Browser libraries from npm (package.json), installed by `make` into node_modules and served here.

Exam halls are offline, so everything a page loads comes from the sandbox itself; third-party code is
never committed. Only the files listed in VENDOR are served, each under a short stable name.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"

# Served name -> (path inside node_modules, mimetype).
VENDOR = {
    "rrweb.min.js": ("rrweb/umd/rrweb.min.js", "text/javascript"),
    "rrweb-player.min.js": ("rrweb-player/dist/rrweb-player.umd.min.cjs", "text/javascript"),
    "rrweb-player.css": ("rrweb-player/dist/style.min.css", "text/css"),
    "echarts.min.js": ("echarts/dist/echarts.min.js", "text/javascript"),
}

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


def vendor_path(name: str) -> Path | None:
    """Where a served library file lies, or None if it is not one of ours or not installed."""
    entry = VENDOR.get(name)
    if entry is None:
        return None
    root = Path(current_app.config.get("NODE_MODULES") or NODE_MODULES)
    path = root / entry[0]
    return path if path.is_file() else None


@bp.get("/<name>")
def asset(name: str):  # noqa: ANN201
    """One library file, cached by the browser for a day."""
    path = vendor_path(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype=VENDOR[name][1], max_age=86400)
