"""The head-end API: POST /api/v1/readings with a JSON list of hourly readings.

Answers 200 when every row was stored or already there, 207 when some rows were
refused (the body lists them by index; the good rows are stored), 400 when the body is
not a JSON list, 401 without a valid token, 413 over MAX_ROWS rows.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from kodaira_app.api.auth import token_required
from kodaira_app.extensions import csrf
from kodaira_app.readings.importer import import_readings_rows

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# A machine client with a bearer token: no cookies, so no CSRF.
csrf.exempt(bp)

MAX_ROWS = 50_000


@bp.post("/readings")
@token_required
def readings():
    rows = request.get_json(force=True, silent=True)
    if not isinstance(rows, list):
        return _error(400, "the body must be a JSON list of {meter_id, hour_start, liters}")
    if len(rows) > MAX_ROWS:
        return _error(413, f"at most {MAX_ROWS} rows per request; send the rest in another")
    result = import_readings_rows(rows, source=f"api:{g.api_token.name}")
    body = {
        "stored": result.imported,
        "replaced": result.replaced,
        "unchanged": result.unchanged,
        "errors": [{"index": index, "reason": reason} for index, reason in result.errors],
    }
    return jsonify(body), 207 if result.errors else 200


@bp.errorhandler(413)
def too_large(_error):
    return _error(413, "the request body is too large")


def _error(status: int, message: str):
    return jsonify(error=message), status
