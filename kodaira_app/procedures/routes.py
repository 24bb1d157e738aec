from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("procedures", __name__)


@bp.get("/procedures")
@login_required
def index():
    return render_template("procedures/index.html")
