"""The console's rooms: one blueprint each, nested under the staff blueprint, whose gate
(staff/routes.py) and roles table (staff/access.py) stand in front of every one of them."""

from kodaira_app.staff.console.audit_log import bp as audit_bp
from kodaira_app.staff.console.contracts import bp as contracts_bp
from kodaira_app.staff.console.deliveries import bp as deliveries_bp
from kodaira_app.staff.console.direct_debit import bp as direct_debit_bp
from kodaira_app.staff.console.episodes import bp as episodes_bp
from kodaira_app.staff.console.outbox import bp as outbox_bp
from kodaira_app.staff.console.search import bp as search_bp
from kodaira_app.staff.console.test_mode import bp as tick_test_bp
from kodaira_app.staff.console.tick import bp as tick_bp
from kodaira_app.staff.console.tokens import bp as tokens_bp
from kodaira_app.staff.console.uploads import bp as uploads_bp

BLUEPRINTS = (
    search_bp,
    contracts_bp,
    deliveries_bp,
    outbox_bp,
    tick_bp,
    tick_test_bp,
    uploads_bp,
    direct_debit_bp,
    tokens_bp,
    audit_bp,
    episodes_bp,
)
