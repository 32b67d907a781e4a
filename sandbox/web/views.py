"""Pages of the web domain."""

from flask import Blueprint

bp = Blueprint("web", __name__, url_prefix="/web")
