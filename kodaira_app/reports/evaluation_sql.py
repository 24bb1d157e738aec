"""The SQL of the evaluation: the windows of one slot and one width, read and written in
one statement each. Parameters: sh (start hour), w (width), ws / we (window start and
end), town_date, late, evaluated_at, now; h0..h13 with the usual use (reports/usual.py).
"""

from __future__ import annotations

from sqlalchemy import TextClause, bindparam, text

from kodaira_app.reports.usual import HISTORY_PARAMS, USUAL_SQL
from kodaira_app.timeutil import UTCDateTime

# The windows of one slot and one width, with their readings summed; paused (and for the
# preview the usual use) come from the outer query.
_CANDIDATES = """
WITH {usual} cand AS (
    SELECT ww.id AS window_id, ww.registration_id AS registration_id,
           COUNT(rd.hour_start) AS hours_received, SUM(rd.deciliters) AS deciliters
    FROM watch_windows ww
    JOIN watch_registrations r ON r.id = ww.registration_id
    JOIN customers cu ON cu.id = r.customer_id
    LEFT JOIN readings rd
           ON rd.meter_id = cu.meter_id AND rd.hour_start >= :ws AND rd.hour_start < :we
    WHERE ww.start_hour = :sh AND ww.width_hours = :w
      AND {live}
    GROUP BY ww.id, ww.registration_id
)
SELECT c.registration_id, c.window_id, c.hours_received, c.deciliters,
       {status} AS status{usual_column}
FROM cand c{usual_join}
WHERE true
"""

_STATUS = """CASE
    WHEN EXISTS (SELECT 1 FROM watch_pauses p
                 WHERE p.registration_id = c.registration_id AND p.cancelled_at IS NULL
                   AND p.start_date <= :town_date AND p.end_date >= :town_date) THEN 'paused'
    WHEN c.hours_received = 0 THEN 'missing'
    WHEN c.hours_received < :w THEN 'partial'
    WHEN c.deciliters = 0 THEN 'none'
    ELSE 'used' END"""

# SQLite: the evaluations of one width (`WHERE true` tells SQLite's parser that ON
# CONFLICT belongs to the INSERT) ...
INSERT_EVALUATIONS = """
INSERT INTO window_evaluations (registration_id, window_id, window_start, window_end, status,
    deciliters, hours_expected, hours_received, usual_pending, late, evaluated_at)
SELECT q.registration_id, q.window_id, :ws, :we, q.status, q.deciliters, :w,
       q.hours_received, true, :late, :evaluated_at
FROM ({select}) q
WHERE true
ON CONFLICT (registration_id, window_start) DO NOTHING
"""

# ... then one delivery per live recipient of every evaluation this slot wrote; missed and
# paused windows get rows too (staff see them), in a status no job sends.
INSERT_DELIVERIES = """
INSERT INTO deliveries (evaluation_id, recipient_id, kind, status, queued_at)
SELECT e.id, wr.id, 'report',
       CASE WHEN e.status IN ('missed', 'paused') THEN e.status ELSE 'pending' END, :now
FROM window_evaluations e
JOIN watch_recipients wr ON wr.registration_id = e.registration_id
WHERE e.window_end = :we AND e.evaluated_at = :evaluated_at
  AND wr.stopped_at IS NULL AND wr.removed_at IS NULL AND NOT wr.helper
ON CONFLICT (evaluation_id, recipient_id, kind) DO NOTHING
RETURNING id, status
"""

# PostgreSQL: both in one statement (data-modifying WITHs), answering in one row: the
# pending delivery ids (sorted), the deliveries written and the evaluations written by
# status (200,000 result rows cost the tick a tenth of its time). The deliveries are for
# the evaluations this statement has just inserted, so they cannot conflict (the UNIQUE
# key still holds them). The evaluations are first inserted without ON CONFLICT, which
# costs each row a speculative insertion; only a slot whose rows are already there (its
# slot row lost) takes the second form, {skip_existing}.
EVALUATE_AND_DELIVER = """
WITH q AS ({select}), ev AS (
    INSERT INTO window_evaluations (registration_id, window_id, window_start, window_end,
        status, deciliters, hours_expected, hours_received, usual_pending, late,
        evaluated_at)
    SELECT q.registration_id, q.window_id, :ws, :we, q.status, q.deciliters, :w,
           q.hours_received, true, :late, :evaluated_at
    FROM q
    {skip_existing}
    RETURNING id, registration_id, status
), dl AS (
    INSERT INTO deliveries (evaluation_id, recipient_id, kind, status, queued_at)
    SELECT ev.id, wr.id, 'report',
           CASE WHEN ev.status IN ('missed', 'paused') THEN ev.status ELSE 'pending' END,
           :now
    FROM ev
    JOIN watch_recipients wr ON wr.registration_id = ev.registration_id
    WHERE wr.stopped_at IS NULL AND wr.removed_at IS NULL AND NOT wr.helper
    RETURNING id, status
)
SELECT (SELECT array_agg(id ORDER BY id) FROM dl WHERE status = 'pending') AS pending,
       (SELECT COUNT(*) FROM dl) AS deliveries,
       (SELECT json_object_agg(status, n)
        FROM (SELECT status, COUNT(*) AS n FROM ev GROUP BY status) s) AS statuses
"""
SKIP_EXISTING = "ON CONFLICT (registration_id, window_start) DO NOTHING"

_TIME_PARAMS = ("ws", "we", "evaluated_at", "now") + HISTORY_PARAMS


def sql(statement: str) -> TextClause:
    """The statement with its time parameters typed (UTC on every database)."""
    stmt = text(statement)
    typed = [bindparam(n, type_=UTCDateTime()) for n in _TIME_PARAMS if f":{n}" in statement]
    return stmt.bindparams(*typed) if typed else stmt


# The windows the tick evaluates: live at the window's end (created before it, not removed
# by then, the registration not ended).
_LIVE = """ww.created_at < :we AND (ww.removed_at IS NULL OR ww.removed_at > :we)
      AND r.ended_at IS NULL"""
# A test (reports/test_mails.py): one window of a live registration, whenever it was made.
ONE_WINDOW = "ww.id = :window_id AND r.ended_at IS NULL"


def candidates_sql(mode: str, usual: bool = False, live: str = _LIVE) -> str:
    """The windows of one slot and one width with their status (and their usual use);
    `live` chooses which windows (ONE_WINDOW: the one of a test)."""
    status = "'missed'" if mode == "missed" else _STATUS
    if not usual:
        return _CANDIDATES.format(
            status=status, usual="", usual_column="", usual_join="", live=live
        )
    return _CANDIDATES.format(
        status=status,
        live=live,
        usual=USUAL_SQL,
        usual_column=", u.usual AS usual_deciliters",
        usual_join=" LEFT JOIN usual u ON u.registration_id = c.registration_id",
    )
