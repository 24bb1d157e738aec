"""The evaluation of the rules, set-based: one statement per rule and N opens the episodes
of every registration for which the rule now holds, one per rule closes those whose end
has arrived. The same SQL runs on PostgreSQL and SQLite (≥ 3.35, for RETURNING); `WHERE
true` tells SQLite's parser that ON CONFLICT belongs to the INSERT.

Time is in whole UTC hours: `until` is the start of the current (incomplete) hour, so
"the last N complete hours" are [until − N h, until).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import TextClause, bindparam, text

from kodaira_app.extensions import db
from kodaira_app.models.alerts import AlertRule
from kodaira_app.timeutil import UTCDateTime

# What the hours of the span must show for the rule to hold (got: hours received, high:
# hours at or above the threshold, top: the largest hour).
_HOLDS = {
    AlertRule.FLOW: "a.high = :n",
    AlertRule.LEAK: "a.high = :n",
    AlertRule.IDLE: "a.got = :n AND a.top = 0",
    AlertRule.NODATA: "a.got = 0",
}
# A reading at or after the episode's start that ends it.
_ENDS = {
    AlertRule.FLOW: "rd.deciliters < :thr",
    AlertRule.LEAK: "rd.deciliters < :thr",
    AlertRule.IDLE: "rd.deciliters > 0",
    AlertRule.NODATA: "true",
}

OPEN_EPISODES = """
INSERT INTO alert_episodes (registration_id, rule, started_at, detected_at, hours, held)
SELECT a.registration_id, :rule, :since, :now, :n, :held
FROM (
    SELECT r.id AS registration_id, COUNT(rd.hour_start) AS got,
           SUM(CASE WHEN rd.deciliters >= :thr THEN 1 ELSE 0 END) AS high,
           MAX(rd.deciliters) AS top
    FROM watch_registrations r
    JOIN customers cu ON cu.id = r.customer_id
    LEFT JOIN readings rd
           ON rd.meter_id = cu.meter_id AND rd.hour_start >= :since AND rd.hour_start < :until
    WHERE r.ended_at IS NULL AND {hours_column} AND cu.meter_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM alert_episodes e
                      WHERE e.registration_id = r.id AND e.rule = :rule AND e.ended_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM watch_pauses p
                      WHERE p.registration_id = r.id AND p.cancelled_at IS NULL
                        AND p.start_date <= :town_date AND p.end_date >= :town_date)
    GROUP BY r.id
) a
WHERE {holds}
ON CONFLICT DO NOTHING
RETURNING id
"""

CLOSE_EPISODES = """
UPDATE alert_episodes SET ended_at = :now, end_hour = (
    SELECT MIN(rd.hour_start) FROM readings rd
    JOIN watch_registrations r ON r.id = alert_episodes.registration_id
    JOIN customers cu ON cu.id = r.customer_id
    WHERE rd.meter_id = cu.meter_id AND rd.hour_start >= alert_episodes.started_at
      AND rd.hour_start < :until AND {ends})
WHERE rule = :rule AND ended_at IS NULL AND EXISTS (
    SELECT 1 FROM readings rd
    JOIN watch_registrations r ON r.id = alert_episodes.registration_id
    JOIN customers cu ON cu.id = r.customer_id
    WHERE rd.meter_id = cu.meter_id AND rd.hour_start >= alert_episodes.started_at
      AND rd.hour_start < :until AND {ends})
RETURNING id
"""

# Episodes whose registration ended or whose rule was turned off end without a mail.
DROP_EPISODES = """
UPDATE alert_episodes SET ended_at = :now, end_mailed_at = :now
WHERE ended_at IS NULL AND rule = :rule AND NOT EXISTS (
    SELECT 1 FROM watch_registrations r
    WHERE r.id = alert_episodes.registration_id AND r.ended_at IS NULL AND {hours_column})
"""

# The town's smart meters, and how many sent nothing in [since, until).
TOWN_SILENCE = """
SELECT COUNT(*) AS meters,
       SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM readings rd WHERE rd.meter_id = cu.meter_id
                                 AND rd.hour_start >= :since AND rd.hour_start < :until)
           THEN 1 ELSE 0 END) AS silent
FROM customers cu WHERE cu.smart_meter AND cu.meter_id IS NOT NULL
"""

_TIME_PARAMS = ("since", "until", "now")


def sql(statement: str) -> TextClause:
    stmt = text(statement)
    typed = [bindparam(n, type_=UTCDateTime()) for n in _TIME_PARAMS if f":{n}" in statement]
    return stmt.bindparams(*typed) if typed else stmt


def _hours_column(rule: AlertRule) -> str:
    # The leak notice is not a choice on the screen: every registration with a rule on.
    if rule == AlertRule.LEAK:
        return "r.id IS NOT NULL"
    return f"r.alert_{rule.value}_hours = :n"


def open_episodes(
    rule: AlertRule, n: int, until: datetime, now: datetime, thr: int, town_date, held=False
) -> list[int]:
    """Open an episode for every registration whose rule with N = n holds now; their ids."""
    statement = OPEN_EPISODES.format(hours_column=_hours_column(rule), holds=_HOLDS[rule])
    rows = db.session.execute(
        sql(statement),
        {
            "rule": rule.value,
            "n": n,
            "since": until - timedelta(hours=n),
            "until": until,
            "now": now,
            "thr": thr,
            "held": held,
            "town_date": town_date,
        },
    )
    return [row.id for row in rows]


def close_episodes(rule: AlertRule, until: datetime, now: datetime, thr: int) -> list[int]:
    """End the open episodes of `rule` whose ending reading has arrived; their ids."""
    rows = db.session.execute(
        sql(CLOSE_EPISODES.format(ends=_ENDS[rule])),
        {"rule": rule.value, "until": until, "now": now, "thr": thr},
    )
    return [row.id for row in rows]


def drop_episodes(rule: AlertRule, now: datetime) -> None:
    column = "true" if rule == AlertRule.LEAK else f"r.alert_{rule.value}_hours IS NOT NULL"
    statement = sql(DROP_EPISODES.format(hours_column=column))
    db.session.execute(statement, {"rule": rule.value, "now": now})


def town_silence(until: datetime, hours: int) -> tuple[int, int]:
    """(smart meters, silent ones) over the last `hours` complete hours."""
    row = db.session.execute(
        sql(TOWN_SILENCE), {"since": until - timedelta(hours=hours), "until": until}
    ).one()
    return int(row.meters or 0), int(row.silent or 0)


# PostgreSQL: one pass over the last `span` hours of readings (found by the BRIN index on
# hour_start) finds, for every meter, which of those hours were received (got), at or above
# the flow threshold (high) and with any use (used), each as a bit (bit k: the hour k + 1
# hours before `until`, as `hour_start >= until - n hours` counts it; a mask of n ones: the
# last n hours). Every rule of every registration, with its own N, and the town's silence
# are read from these bits; the readings are joined to nothing before they are grouped.
# Deciliters are never negative (the import refuses them), so "the largest hour is 0" is
# "no hour with use".
CANDIDATES_PG = """
WITH m AS (
    SELECT rd.meter_id, bit_or(rd.bit) AS got,
           bit_or(CASE WHEN rd.deciliters >= :thr THEN rd.bit ELSE 0 END) AS high,
           bit_or(CASE WHEN rd.deciliters >= 1 THEN rd.bit ELSE 0 END) AS used
    FROM (SELECT meter_id, deciliters,
                 CAST(1 AS bigint)
                 << (CAST(ceil(date_part('epoch', :until - hour_start) / 3600) AS integer) - 1)
                 AS bit
          FROM readings WHERE hour_start >= :span AND hour_start < :until) rd
    GROUP BY rd.meter_id
), cu AS (
    SELECT cu.id, cu.smart_meter, COALESCE(m.got, 0) AS got, COALESCE(m.high, 0) AS high,
           COALESCE(m.used, 0) AS used
    FROM customers cu LEFT JOIN m ON m.meter_id = cu.meter_id
    WHERE cu.meter_id IS NOT NULL
), town AS (
    SELECT COUNT(*) AS meters, COUNT(*) FILTER (WHERE got & :town_mask = 0) AS silent
    FROM cu WHERE smart_meter
), a AS (
    SELECT r.id AS registration_id, r.alert_flow_hours AS fh, r.alert_idle_hours AS ih,
           r.alert_nodata_hours AS nh, cu.got, cu.high, cu.used
    FROM watch_registrations r
    JOIN cu ON cu.id = r.customer_id
    WHERE r.ended_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM watch_pauses p
                      WHERE p.registration_id = r.id AND p.cancelled_at IS NULL
                        AND p.start_date <= :town_date AND p.end_date >= :town_date)
)
SELECT 0 AS registration_id, 'town' AS rule, meters AS n, silent FROM town
UNION ALL
SELECT registration_id, 'flow', fh, 0 FROM a
WHERE high & ((CAST(1 AS bigint) << fh) - 1) = (CAST(1 AS bigint) << fh) - 1
UNION ALL
SELECT registration_id, 'idle', ih, 0 FROM a
WHERE got & ((CAST(1 AS bigint) << ih) - 1) = (CAST(1 AS bigint) << ih) - 1
  AND used & ((CAST(1 AS bigint) << ih) - 1) = 0
UNION ALL
SELECT registration_id, 'nodata', nh, 0 FROM a WHERE got & ((CAST(1 AS bigint) << nh) - 1) = 0
UNION ALL
SELECT registration_id, 'leak', :leak, 0 FROM a WHERE used & :leak_mask = :leak_mask
"""

# The episodes of the candidates that have none open; a SELECT apart from this INSERT, so
# that the pass over the readings may run in parallel (a statement that writes never does).
OPEN_CANDIDATES_PG = """
INSERT INTO alert_episodes (registration_id, rule, started_at, detected_at, hours, held)
SELECT c.registration_id, c.rule, :until - c.n * interval '1 hour', :now, c.n,
       c.rule = 'nodata' AND :held
FROM unnest(CAST(:ids AS integer[]), CAST(:rules AS text[]), CAST(:ns AS integer[]))
     AS c (registration_id, rule, n)
WHERE NOT EXISTS (SELECT 1 FROM alert_episodes e WHERE e.registration_id = c.registration_id
                  AND e.rule = c.rule AND e.ended_at IS NULL)
ON CONFLICT DO NOTHING
RETURNING id
"""

# The bits of a bigint: the longest span the pass over the readings can take.
MAX_SPAN_PG = 62


def _mask(hours: int) -> int:
    return (1 << hours) - 1


def candidates_pg(
    until: datetime, thr: int, leak: int, span: int, town_hours: int, town_date
) -> tuple[tuple[int, int], list[tuple[int, str, int]]]:
    """PostgreSQL: ((smart meters, silent ones), [(registration, rule, N) a rule holds for])."""
    statement = sql(CANDIDATES_PG).bindparams(bindparam("span", type_=UTCDateTime()))
    rows = db.session.execute(
        statement,
        {
            "until": until,
            "span": until - timedelta(hours=span),
            "thr": thr,
            "leak": leak,
            "leak_mask": _mask(leak),
            "town_mask": _mask(town_hours),
            "town_date": town_date,
        },
    ).all()
    town = next((int(r.n), int(r.silent)) for r in rows if r.rule == "town")
    return town, [(r.registration_id, r.rule, r.n) for r in rows if r.rule != "town"]


def open_candidates_pg(
    candidates: list[tuple[int, str, int]], until: datetime, now: datetime, held: bool
) -> list[int]:
    """PostgreSQL: an episode for each candidate without an open one; their ids."""
    if not candidates:
        return []
    ids, rules, ns = (list(column) for column in zip(*candidates, strict=True))
    rows = db.session.execute(
        sql(OPEN_CANDIDATES_PG),
        {"ids": ids, "rules": rules, "ns": ns, "until": until, "now": now, "held": held},
    )
    return [row.id for row in rows]
