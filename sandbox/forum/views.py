"""Pages of the forum domain."""

from flask import Blueprint

bp = Blueprint("forum", __name__, url_prefix="/forum")
