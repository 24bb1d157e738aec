"""Placeholder views; the account flows are built in this package."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required, logout_user

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    return render_template("auth/login.html")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    return render_template("auth/login.html")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("main.index"))
