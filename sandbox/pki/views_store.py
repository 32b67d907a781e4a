"""The certificate store (证书管理器): list, import, details, export, backup, delete, CSR, sign."""

from __future__ import annotations

from flask import render_template

from sandbox.pki.views import store_bp


@store_bp.get("/")
def index():
    """The identity's certificates."""
    return render_template("pki/store_index.html")
