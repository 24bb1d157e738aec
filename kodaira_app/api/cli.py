"""`flask api-token create|list|revoke`: bearer tokens of the meter head-end."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from kodaira_app.api.tokens import create_token, list_tokens, revoke_token

api_token_cli = AppGroup("api-token", help="Bearer tokens of the meter head-end.")


@api_token_cli.command("create")
@click.argument("name")
def create_command(name: str) -> None:
    """Create a token for NAME and print it (it is shown this once only)."""
    try:
        row, token = create_token(name)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Token {row.id} for {row.name!r} (shown once, keep it secret):")
    click.echo(token)


@api_token_cli.command("list")
def list_command() -> None:
    """List the tokens: id, name, created, last used, revoked."""
    rows = list_tokens()
    if not rows:
        click.echo("No tokens.")
        return
    click.echo(f"{'ID':>4}  {'NAME':<24} {'CREATED':<17} {'LAST USED':<17} REVOKED")
    for row in rows:
        click.echo(
            f"{row.id:>4}  {row.name[:24]:<24} {_when(row.created_at):<17} "
            f"{_when(row.last_used_at):<17} {_when(row.revoked_at)}"
        )


@api_token_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke the token with TOKEN_ID; requests with it are refused from now on."""
    row = revoke_token(token_id)
    if row is None:
        raise click.ClickException(f"no token with id {token_id}")
    click.echo(f"Token {row.id} ({row.name}) revoked at {_when(row.revoked_at)}.")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") + "Z" if value else "-"
