"""Errors of the head-end API: JSON {"error": {"code": ..., "message": ...}} and a status.

`code` is stable and meant for programs; `message` is English prose for the person who
reads the head-end's log (the API has no user interface and no language of its own).
Every error under /api/ answers this way, routing errors (404, 405) included.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

# The code and message of each HTTP error the API can meet outside its own checks.
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "the request could not be read"),
    401: ("token_required", "a bearer token is required"),
    404: ("not_found", "there is no such API endpoint"),
    405: ("method_not_allowed", "this endpoint does not take that method"),
    413: ("body_too_large", "the request body is too large"),
    429: ("too_many_requests", "too many requests; try again later"),
    500: ("internal_error", "the server could not handle the request"),
}


def api_error(status: int, code: str, message: str, **details: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(details)
    response = jsonify(error=body)
    response.status_code = status
    return response


def from_http_exception(error: HTTPException) -> Response:
    """An HTTP error raised anywhere under /api/ (abort, routing, the body limit) as JSON."""
    status = error.code or 500
    code, message = HTTP_ERRORS.get(status, ("http_error", error.name.lower()))
    response = api_error(status, code, message)
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


class ApiError(Exception):
    """Raised by the API's own checks; the blueprint answers it with `api_error`."""

    def __init__(self, status: int, code: str, message: str, **details: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    def response(self) -> Response:
        return api_error(self.status, self.code, self.message, **self.details)
