"""Bearer authentication (RFC 6750) for the head-end API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, jsonify, request

from kodaira_app.api.tokens import verify_token

REALM = "kodaira-readings"


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run `view` with g.api_token set, or answer 401 with WWW-Authenticate: Bearer."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized(f'Bearer realm="{REALM}"', "a bearer token is required")
        row = verify_token(token.strip())
        if row is None:
            return _unauthorized(
                f'Bearer realm="{REALM}", error="invalid_token"',
                "the token is unknown or revoked",
            )
        g.api_token = row
        return view(*args, **kwargs)

    return wrapped


def _unauthorized(challenge: str, message: str):
    response = jsonify(error=message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    return response
