from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("billing", __name__)


@bp.get("/payments")
@login_required
def payments():
    return render_template("billing/payments.html")


@bp.get("/pay")
@login_required
def pay():
    return render_template("billing/pay.html")
