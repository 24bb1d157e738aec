"""Failed-attempt records are kept only while some limit can still see them."""

from datetime import timedelta

from kodaira_app.auth.throttle import purge_expired
from kodaira_app.extensions import db
from kodaira_app.models import ThrottleEvent
from kodaira_app.timeutil import utcnow


def test_purge_removes_only_events_older_than_any_window(app):
    now = utcnow()
    db.session.add_all(
        [
            ThrottleEvent(
                scope="login-email", key="old@example.com", created_at=now - timedelta(days=2)
            ),
            ThrottleEvent(
                scope="login-email", key="new@example.com", created_at=now - timedelta(minutes=5)
            ),
        ]
    )
    db.session.commit()
    assert purge_expired() == 1
    assert [e.key for e in db.session.query(ThrottleEvent)] == ["new@example.com"]
