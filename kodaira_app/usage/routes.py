from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("usage", __name__)


@bp.get("/usage")
@login_required
def index():
    return render_template("usage/index.html")
