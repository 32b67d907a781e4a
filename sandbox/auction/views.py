"""Pages of the auction domain."""

from flask import Blueprint

bp = Blueprint("auction", __name__, url_prefix="/auction")
