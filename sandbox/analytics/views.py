"""Pages of the analytics domain."""

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
