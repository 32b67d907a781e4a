"""The RA console (RA 审核台, /ca/ra/): reviewers sign in and decide applications."""

from __future__ import annotations

from flask import render_template

from sandbox.pki.views import bp


@bp.get("/ra/login")
def ra_login():
    """The RA console's sign-in."""
    return render_template("pki/ra_login.html")
