from flask import Blueprint, render_template
from flask_login import current_user, login_required

from kodaira_app.contracts.queries import account_contracts, registrations_by_customer

bp = Blueprint("contracts", __name__)


@bp.get("/contracts")
@login_required
def index():
    contracts = account_contracts(current_user)
    registrations = registrations_by_customer([c.id for c in contracts])
    return render_template(
        "contracts/index.html", contracts=contracts, registrations=registrations
    )


@bp.route("/contracts/add", methods=["GET", "POST"])
@login_required
def add():
    return render_template("contracts/index.html", contracts=[], registrations={})
