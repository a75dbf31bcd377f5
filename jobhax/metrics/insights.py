"""Insights: the funnel, responses and weekly activity of the caller's live applications.

The rules (stages, reached, rejected at a stage, first response, days) are SQL, once, in
jobhax/sql/0008_insights.sql; triggers keep per-user counters of them in every writer's transaction. Without
``from``/``to`` a request sums those counters (a few hundred rows whatever the caller's size); with them it
aggregates the stored per-application facts of the days asked for. Either way one statement, exact after
every committed write. Medians come from a histogram of whole days, so they are exact too.
"""

import datetime
import itertools

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    SmallInteger,
    String,
    bindparam,
    column,
    func,
    select,
    table,
)
from sqlalchemy import values as values_clause

from jobhax.metrics.queries import SOURCES

# The funnel's stages: shared status id and name, in pipeline order.
STAGES = ((1, "Applied"), (3, "Phone Screen"), (4, "Onsite Interview"), (5, "Offer"))
WEEKS_SHOWN = 12

jobapp_insights = table(
    "jobapp_insights",
    column("user_id", Integer),
    column("apply_date", DateTime(timezone=True)),
    column("source_bucket", String),
    column("furthest_stage", SmallInteger),
    column("is_rejected", Boolean),
    column("first_response_at", DateTime(timezone=True)),
    schema="metrics",
)
funnel_counts = table(
    "funnel_counts",
    column("user_id", Integer),
    column("stage", SmallInteger),
    column("reached", Integer),
    column("rejected_here", Integer),
    schema="metrics",
)
response_counts = table(
    "response_counts",
    column("user_id", Integer),
    column("source_bucket", String),
    column("days", Integer),
    column("count", Integer),
    schema="metrics",
)
weekly_counts = table(
    "weekly_counts",
    column("user_id", Integer),
    column("week", Date),
    column("applied", Integer),
    column("responses", Integer),
    schema="metrics",
)


class Days:
    """Applications applied on the UTC days ``first``..``last`` (inclusive; either may be None: unbounded)."""

    def __init__(self, first=None, last=None):
        self.first, self.last = first, last

    @property
    def everything(self):
        return self.first is None and self.last is None

    def where(self, apply_date):
        conditions = []
        if self.first is not None:
            conditions.append(
                apply_date >= datetime.datetime.combine(self.first, datetime.time(), datetime.UTC)
            )
        if self.last is not None and self.last < datetime.date.max:
            after = self.last + datetime.timedelta(days=1)
            conditions.append(apply_date < datetime.datetime.combine(after, datetime.time(), datetime.UTC))
        return conditions


def _applications(user_id, days):
    i = jobapp_insights.c
    return [i.user_id == user_id, *days.where(i.apply_date)]


def _sum(col):
    # Summed as integers: a bigint sum would be a slower numeric.
    return func.sum(col.cast(Integer))


def _bound(statement, params):
    return statement.params(params) if params else statement


# The answers over all of the caller's applications (no from/to, the common case) read counters with one
# statement each, built once with bound parameters: building one per request cost more Python than running it.
_FUNNEL_ALL = (
    select(funnel_counts.c.stage, _sum(funnel_counts.c.reached), _sum(funnel_counts.c.rejected_here))
    .where(funnel_counts.c.user_id == bindparam("user_id"))
    .group_by(funnel_counts.c.stage)
)
_RESPONSES_ALL = (
    select(response_counts.c.source_bucket, response_counts.c.days, _sum(response_counts.c.count))
    .where(response_counts.c.user_id == bindparam("user_id"))
    .group_by(response_counts.c.source_bucket, response_counts.c.days)
    .having(_sum(response_counts.c.count) != 0)
)
_WEEKLY_ALL = (
    select(weekly_counts.c.week, _sum(weekly_counts.c.applied), _sum(weekly_counts.c.responses))
    .where(
        weekly_counts.c.user_id == bindparam("user_id"),
        weekly_counts.c.week >= bindparam("first"),
        weekly_counts.c.week <= bindparam("last"),
    )
    .group_by(weekly_counts.c.week)
)


def _funnel_query(user_id, days):
    if days.everything:
        return _FUNNEL_ALL, {"user_id": user_id}
    i = jobapp_insights.c
    stages = values_clause(column("stage", SmallInteger), name="s").data([(s,) for s, _ in STAGES])
    statement = (
        select(
            stages.c.stage,
            func.count().filter(i.furthest_stage >= stages.c.stage),
            func.count().filter(i.is_rejected & (i.furthest_stage == stages.c.stage)),
        )
        .select_from(jobapp_insights.join(stages, stages.c.stage <= i.furthest_stage))
        .where(*_applications(user_id, days))
        .group_by(stages.c.stage)
    )
    return statement, {}


def funnel_statement(user_id, days):
    """Rows ``(stage, reached, rejected_here)``."""
    return _bound(*_funnel_query(user_id, days))


def funnel(dbsession, user_id, days):
    counts = {
        stage: (reached, rejected)
        for stage, reached, rejected in dbsession.execute(*_funnel_query(user_id, days))
    }
    stages = [
        {
            "status_id": stage,
            "status": name,
            "reached": counts.get(stage, (0, 0))[0],
            "rejected_here": counts.get(stage, (0, 0))[1],
        }
        for stage, name in STAGES
    ]
    reached = [s["reached"] for s in stages]
    conversion = [round(b / a, 4) if a else 0 for a, b in itertools.pairwise(reached)]
    return {"stages": stages, "conversion": conversion}


def _response_histogram_query(user_id, days):
    if days.everything:
        return _RESPONSES_ALL, {"user_id": user_id}
    i = jobapp_insights.c
    waited = func.metrics.response_days(i.apply_date, i.first_response_at)
    statement = (
        select(i.source_bucket, waited, func.count())
        .where(*_applications(user_id, days))
        .group_by(i.source_bucket, waited)
    )
    return statement, {}


def response_histogram_statement(user_id, days):
    """Rows ``(source_bucket, days to first response or None, applications)``."""
    return _bound(*_response_histogram_query(user_id, days))


def median(histogram):
    """The median of ``{value: how many}`` (the mean of the two middle values for an even count); None
    when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = ((total - 1) // 2, total // 2)
    found, seen = [], 0
    for value in sorted(histogram):
        for position in middle:
            if seen <= position < seen + histogram[value]:
                found.append(value)
        seen += histogram[value]
    return (found[0] + found[1]) / 2


def _response_summary(histogram, total):
    responded = sum(histogram.values())
    return {
        "total": total,
        "responded": responded,
        "response_rate": round(responded / total, 4) if total else 0,
        "median_days_to_response": median(histogram),
    }


def response_stats(dbsession, user_id, days):
    histograms = {source: {} for source in SOURCES}
    totals = dict.fromkeys(SOURCES, 0)
    for source, waited, count in dbsession.execute(*_response_histogram_query(user_id, days)):
        totals[source] += count
        if waited is not None:
            histograms[source][waited] = histograms[source].get(waited, 0) + count
    overall = {}
    for histogram in histograms.values():
        for waited, count in histogram.items():
            overall[waited] = overall.get(waited, 0) + count
    summary = _response_summary(overall, sum(totals.values()))
    return {
        "responded": summary["responded"],
        "total": summary["total"],
        "response_rate": summary["response_rate"],
        "median_days_to_response": summary["median_days_to_response"],
        "by_source": [
            {"source_bucket": source, **_response_summary(histograms[source], totals[source])}
            for source in SOURCES
        ],
    }


def week_window(today):
    """The Mondays of the 12 ISO weeks ending with ``today``'s, oldest first."""
    monday = today - datetime.timedelta(days=today.weekday())
    return [monday - datetime.timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]


def _weekly_activity_query(user_id, days, weeks):
    if days.everything:
        return _WEEKLY_ALL, {"user_id": user_id, "first": weeks[0], "last": weeks[-1]}
    i = jobapp_insights.c
    applied_week = func.metrics.iso_week(i.apply_date)
    response_week = func.metrics.iso_week(i.first_response_at)
    applied = select(
        applied_week.label("week"), func.count().label("applied"), (func.count() * 0).label("responses")
    )
    applied = applied.where(
        *_applications(user_id, days), applied_week >= weeks[0], applied_week <= weeks[-1]
    )
    responses = select(
        response_week.label("week"), (func.count() * 0).label("applied"), func.count().label("responses")
    )
    responses = responses.where(
        *_applications(user_id, days), response_week >= weeks[0], response_week <= weeks[-1]
    )
    both = applied.group_by(applied_week).union_all(responses.group_by(response_week)).subquery("w")
    return select(both.c.week, _sum(both.c.applied), _sum(both.c.responses)).group_by(both.c.week), {}


def weekly_activity_statement(user_id, days, weeks):
    """Rows ``(week's Monday, applied, responses)`` within ``weeks``."""
    return _bound(*_weekly_activity_query(user_id, days, weeks))


def iso_week_name(monday):
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_activity(dbsession, user_id, days, today):
    weeks = week_window(today)
    counts = {
        week: (applied, responses)
        for week, applied, responses in dbsession.execute(*_weekly_activity_query(user_id, days, weeks))
    }
    return [
        {
            "week": iso_week_name(week),
            "applied": counts.get(week, (0, 0))[0],
            "responses": counts.get(week, (0, 0))[1],
        }
        for week in weeks
    ]
