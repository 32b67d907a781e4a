"""The CA's site: home, application, download, directory, certificate services, CRL and OCSP."""

from __future__ import annotations

from flask import render_template

from sandbox.pki.views import bp


@bp.get("/")
def ca_home():
    """The CA's home page."""
    return render_template("pki/ca_home.html")
