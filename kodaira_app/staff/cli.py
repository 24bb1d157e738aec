"""`flask staff`: staff accounts of the console."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from kodaira_app.auth.sessions import revoke_all
from kodaira_app.extensions import db
from kodaira_app.models.staff import STAFF_ROLES, StaffUser
from kodaira_app.staff.audit import record
from kodaira_app.staff.totp import new_secret, provisioning_uri
from kodaira_app.timeutil import utcnow

staff_cli = AppGroup("staff", help="Staff accounts of the console.")

MIN_PASSWORD = 12


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _find(email: str) -> StaffUser:
    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if staff is None:
        raise click.ClickException(f"no staff account {email}")
    return staff


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(STAFF_ROLES), default="staff", show_default=True)
@click.option("--prompt", "ask", is_flag=True, help="Ask for the password instead of making one.")
def create_command(email: str, role: str, ask: bool) -> None:
    """Create a staff account; print its password (unless --prompt) and its TOTP URI.

    The first login at /staff/login shows the QR code of the same URI.
    """
    email = email.strip().lower()
    if "@" not in email:
        raise click.ClickException("EMAIL must be an e-mail address")
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
        raise click.ClickException(f"{email} already exists")
    if ask:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < MIN_PASSWORD:
            raise click.ClickException(f"the password needs at least {MIN_PASSWORD} characters")
    else:
        password = secrets.token_urlsafe(12)
    staff = StaffUser(
        email=email,
        role=role,
        password_hash=_hash(password),
        totp_secret=new_secret(),
    )
    db.session.add(staff)
    db.session.flush()
    record(None, "staff_created", "staff", staff.id, email="cli", role=role, created=email)
    db.session.commit()
    click.echo(f"created {role} {email}")
    if not ask:
        click.echo(f"password: {password}")
    click.echo(f"TOTP URI: {provisioning_uri(staff)}")


@staff_cli.command("reset-password")
@click.argument("email")
def reset_password_command(email: str) -> None:
    """Give a staff member a new password, printed once (a forgotten one)."""
    staff = _find(email)
    password = secrets.token_urlsafe(12)
    staff.password_hash = _hash(password)
    record(None, "staff_password_reset", "staff", staff.id, email="cli")
    db.session.commit()
    revoke_all(staff_id=staff.id)  # whoever knew the old password is signed out
    click.echo(f"password: {password}")


@staff_cli.command("reset-totp")
@click.argument("email")
def reset_totp_command(email: str) -> None:
    """Give a staff member a new TOTP secret (a lost phone); the next login enrols again."""
    staff = _find(email)
    staff.totp_secret = new_secret()
    staff.totp_confirmed_at = None
    staff.totp_last_step = None
    record(None, "staff_totp_reset", "staff", staff.id, email="cli")
    db.session.commit()
    revoke_all(staff_id=staff.id)  # a lost phone: its sessions end with the old secret
    click.echo(f"TOTP URI: {provisioning_uri(staff)}")


@staff_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Close a staff account: every session of it ends at once."""
    staff = _find(email)
    staff.disabled_at = utcnow()
    record(None, "staff_disabled", "staff", staff.id, email="cli")
    db.session.commit()
    revoke_all(staff_id=staff.id)
    click.echo(f"disabled {staff.email}")


@staff_cli.command("list")
def list_command() -> None:
    """Every staff account with its role and state."""
    for staff in db.session.scalars(select(StaffUser).order_by(StaffUser.email)):
        state = (
            "disabled"
            if staff.disabled_at
            else ("active" if staff.totp_confirmed_at else "not enrolled")
        )
        click.echo(f"{staff.email}\t{staff.role}\t{state}")
