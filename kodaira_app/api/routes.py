"""The head-end API: POST /api/v1/readings with a JSON list of hourly readings.

Answers 200 when every row was stored or already there, 207 when some rows were
refused (the body lists them by index with a code and an English reason; the good rows
are stored), 400 when
the body is not a JSON list, 401 without a valid token, 413 over MAX_ROWS rows or over
the body limit, 429 after too many bad tokens from one address. Every error is
{"error": {"code": ..., "message": ...}} (see api/errors.py).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from kodaira_app.api.auth import token_required
from kodaira_app.extensions import csrf
from kodaira_app.json_errors import ApiError, from_http_exception
from kodaira_app.readings.importer import import_readings_rows
from kodaira_app.readings.problems import describe

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# A machine client with a bearer token: no cookies, so no CSRF.
csrf.exempt(bp)

MAX_ROWS = 50_000
SHAPE = "the body must be a JSON list of {meter_id, hour_start, liters}"


@bp.post("/readings")
@token_required
def readings():
    rows = json_body()
    if not isinstance(rows, list):
        raise ApiError(400, "not_a_list", SHAPE)
    if len(rows) > MAX_ROWS:
        raise ApiError(
            413, "too_many_rows", f"at most {MAX_ROWS} rows per request; send the rest in another"
        )
    result = import_readings_rows(rows, source=f"api:{g.api_token.name}")
    body = {
        "stored": result.imported,
        "replaced": result.replaced,
        "unchanged": result.unchanged,
        "errors": [
            {
                "index": index,
                "code": problem.code,
                "reason": describe(problem.code, problem.params, "en"),
            }
            for index, problem in result.problems
        ],
    }
    return jsonify(body), 207 if result.errors else 200


def json_body() -> Any:
    """The body parsed as JSON, whatever its Content-Type; ApiError 400 when it is not.

    Reading the body past the limit raises 413 (answered by `http_error` below).
    """
    data = request.get_data(cache=False)
    try:
        return json.loads(data)
    except RecursionError:
        raise ApiError(400, "json_too_deep", "the JSON is nested too deeply") from None
    except ValueError:  # also a body that is not UTF-8
        raise ApiError(400, "invalid_json", f"the body is not valid JSON; {SHAPE}") from None


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return error.response()


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return from_http_exception(error)
