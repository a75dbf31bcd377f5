"""One statement per metric, over the counters of schema ``metrics`` (jobhax/sql/0003_metric_counts.sql).

Triggers on job_applications keep those counters in the same transaction as every write, so every
committed write shows at once (read-your-writes) and a read sums a few rows per key instead of grouping
all the caller's applications: the 10,000-application user costs what the 100-application one does. The
counters hold signed partial counts that ``metrics.compact_counts()`` folds now and then, hence the
``sum(count)`` and the ``HAVING sum(count) > 0`` on every read. They agree with the views of schema
``reporting`` (tests/metrics/test_reporting_sql.py holds them to it), which BI tools keep reading.

The word count and the title matrix grow with the caller's distinct companies and titles, so their answers
are also stored per user until the user's next write (answer_cache.py): one statement when stored, two
when not.

Clocks are the caller's: ``today`` is a ``datetime.date`` in UTC, never Postgres ``now()``, so tests can
freeze time and the month window is the one the request saw.
"""

import datetime

from sqlalchemy import BigInteger, Date, Integer, String, bindparam, column, func, select, table

from jobhax.jobapps.models import ApplicationStatus
from jobhax.metrics.answer_cache import CachedAnswer

SOURCES = ("Hired.com", "LinkedIn", "Indeed", "Vettery", "Others")
TOTAL = "Total"
MONTHS_SHOWN = 12
# Fixed English names: the contract says English whatever the server's locale (calendar.month_name is not).
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _counts(name, *keys):
    return table(name, column("user_id", Integer), *keys, column("count", BigInteger), schema="metrics")


monthly_source_counts = _counts(
    "monthly_source_counts", column("month", Date), column("source_bucket", String)
)
status_counts = _counts("status_counts", column("status_id", Integer))


def _total(counts):
    """The sum of a key's partial counts; summed as integers, as a bigint sum would be a slower numeric."""
    return func.sum(counts.c.count.cast(Integer))


def month_window(today):
    """The first days of the 12 calendar months ending with ``today``'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [datetime.date(i // 12, i % 12 + 1, 1) for i in range(index - MONTHS_SHOWN + 1, index + 1)]


# The three statements below are built once, with bound parameters: building one per request cost more of
# the request's Python than running it.
_c = monthly_source_counts.c
_TOTAL = select(func.coalesce(_total(monthly_source_counts), 0)).where(_c.user_id == bindparam("user_id"))
_BY_MONTH = (
    select(_c.month, _c.source_bucket, _total(monthly_source_counts))
    .where(_c.user_id == bindparam("user_id"), _c.month >= bindparam("first"), _c.month <= bindparam("last"))
    .group_by(_c.month, _c.source_bucket)
)
_statuses = ApplicationStatus.__table__
_BY_STATUSES = (
    select(_statuses.c.value, _total(status_counts))
    .join_from(status_counts, _statuses, _statuses.c.id == status_counts.c.status_id)
    .where(status_counts.c.user_id == bindparam("user_id"))
    .group_by(_statuses.c.id, _statuses.c.value)
    .having(_total(status_counts) > 0)
    .order_by(_statuses.c.id)
)


def total_application_count_statement(user_id):
    """Every live application has exactly one month and bucket, so the monthly counters sum to the total."""
    return _TOTAL.params(user_id=user_id)


def total_application_count(dbsession, user_id):
    return dbsession.scalar(_TOTAL, {"user_id": user_id})


def application_count_by_month_statement(user_id, months):
    return _BY_MONTH.params(user_id=user_id, first=months[0], last=months[-1])


def application_count_by_month(dbsession, user_id, today, with_total=False):
    """``[[{source, data: [count per month]}, ...], [month names]]`` for the 12 months ending with today's."""
    months = month_window(today)
    rows = dbsession.execute(_BY_MONTH, {"user_id": user_id, "first": months[0], "last": months[-1]}).all()
    counts = {(month, source): count for month, source, count in rows}
    series = [
        {"source": source, "data": [counts.get((month, source), 0) for month in months]} for source in SOURCES
    ]
    if with_total:
        series.append(
            {"source": TOTAL, "data": [sum(s["data"][i] for s in series) for i in range(len(months))]}
        )
    return [series, [MONTH_NAMES[month.month - 1] for month in months]]


def count_by_statuses_statement(user_id):
    return _BY_STATUSES.params(user_id=user_id)


def count_by_statuses(dbsession, user_id):
    rows = dbsession.execute(_BY_STATUSES, {"user_id": user_id}).all()
    return [{"name": status, "value": count} for status, count in rows]


# The two answers that grow with the caller's distinct companies and titles (3,000 and 1,500 for a
# 10,000-application user) are built as JSON text by PostgreSQL: one string instead of thousands of rows,
# dicts and lists in Python. The orders are the contract's: count descending, then code point (collation
# "C" compares UTF-8 bytes, which is code-point order whatever the database's default collation).
_WORD_COUNT = """SELECT coalesce(json_agg(json_build_object('word', company, 'value', n)
                              ORDER BY n DESC, company COLLATE "C"), '[]')::text
FROM (SELECT company, sum(count::integer) AS n FROM metrics.company_counts WHERE user_id = :user_id
      GROUP BY company HAVING sum(count::integer) > 0) AS c"""

# Every status the caller sees (the shared five and their own live custom ones), even unused ones, in id
# order; ``jobs`` = titles that have a status, by total count; one row of counts per status, in ``jobs``
# order. The status-by-title grid joins on the titles' positions
# (integers), not on the titles: sorting 7,500 cells by text in the database's collation cost most of it.
_JOBTITLE_AND_STATUSES = """WITH t AS (
    SELECT job_title, status_id, sum(count::integer) AS n FROM metrics.title_status_counts
    WHERE user_id = :user_id GROUP BY job_title, status_id HAVING sum(count::integer) > 0),
jobs AS (
    SELECT job_title, row_number() OVER (ORDER BY sum(n) DESC, job_title COLLATE "C") AS position
    FROM t GROUP BY job_title),
cells AS (
    SELECT t.status_id, j.position, t.n FROM t JOIN jobs j ON j.job_title = t.job_title),
rows AS (
    SELECT s.id, s.value, coalesce(json_agg(coalesce(c.n, 0) ORDER BY j.position)
                                   FILTER (WHERE j.position IS NOT NULL), '[]') AS counts
    FROM application_statuses s LEFT JOIN jobs j ON true
    LEFT JOIN cells c ON c.status_id = s.id AND c.position = j.position
    WHERE s.user_id IS NULL OR (s.user_id = :user_id AND s.deleted_at IS NULL)
    GROUP BY s.id, s.value)
SELECT json_build_object(
    'jobs', (SELECT coalesce(json_agg(job_title ORDER BY position), '[]') FROM jobs),
    'statuses', (SELECT coalesce(json_agg(value ORDER BY id), '[]') FROM rows),
    'data', (SELECT coalesce(json_agg(json_build_object('name', value, 'data', counts) ORDER BY id), '[]')
             FROM rows))::text"""


# Stored per user between the user's writes (answer_cache.py): these two cost milliseconds to build.
WORD_COUNT = CachedAnswer("word_count", _WORD_COUNT)
JOBTITLE_AND_STATUSES = CachedAnswer("jobtitle_and_statuses", _JOBTITLE_AND_STATUSES)


def word_count_statement(user_id):
    return WORD_COUNT.build.bindparams(user_id=user_id)


def word_count_json(dbsession, user_id):
    """``[{word: company, value: count}, ...]`` as JSON text."""
    return WORD_COUNT.json(dbsession, user_id)


def count_by_jobtitle_and_statuses_statement(user_id):
    return JOBTITLE_AND_STATUSES.build.bindparams(user_id=user_id)


def count_by_jobtitle_and_statuses_json(dbsession, user_id):
    """``{jobs, statuses, data: [{name, data}]}`` as JSON text."""
    return JOBTITLE_AND_STATUSES.json(dbsession, user_id)
