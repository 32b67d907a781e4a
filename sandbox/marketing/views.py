"""Pages of the marketing domain."""

from flask import Blueprint

bp = Blueprint("marketing", __name__, url_prefix="/marketing")
