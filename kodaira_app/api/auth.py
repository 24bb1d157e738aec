"""Bearer authentication (RFC 6750) for the head-end API, throttled per client address."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import g, request

from kodaira_app.api.tokens import verify_token
from kodaira_app.auth.throttle import Limit, blocked_until, record
from kodaira_app.json_errors import api_error
from kodaira_app.timeutil import utcnow

REALM = "kodaira-readings"
# Wrong tokens from one address; then every request from it waits, a right token too,
# or guessing would go on at full speed among the requests of a real head-end.
BAD_TOKENS_PER_ADDRESS = Limit("api-token-ip", 10, timedelta(minutes=15))


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run `view` with g.api_token set, or answer 401 (WWW-Authenticate: Bearer) or 429."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        address = request.remote_addr or "-"
        until = blocked_until(BAD_TOKENS_PER_ADDRESS, address)
        if until is not None:
            return _throttled(until)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized(
                f'Bearer realm="{REALM}"', "token_required", "a bearer token is required"
            )
        row = verify_token(token.strip())
        if row is None:
            record([(BAD_TOKENS_PER_ADDRESS, address)])
            return _unauthorized(
                f'Bearer realm="{REALM}", error="invalid_token"',
                "invalid_token",
                "the token is unknown or revoked",
            )
        g.api_token = row
        return view(*args, **kwargs)

    return wrapped


def _unauthorized(challenge: str, code: str, message: str):
    response = api_error(401, code, message)
    response.headers["WWW-Authenticate"] = challenge
    return response


def _throttled(until):
    seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
    response = api_error(
        429, "too_many_bad_tokens", "too many wrong tokens from this address; try again later"
    )
    response.headers["Retry-After"] = str(seconds)
    return response
