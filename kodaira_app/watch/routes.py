from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("watch", __name__)


@bp.get("/watch")
@login_required
def index():
    return render_template("watch/select.html")
