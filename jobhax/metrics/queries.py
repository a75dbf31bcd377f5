"""One statement per metric, over the plain views of schema ``reporting`` (jobhax/sql/).

The plain views, not their materialized copies: they read the tables at query time, so every committed
write shows at once (read-your-writes), and ``WHERE user_id = :id`` reaches the partial index
ix_job_applications_user_live through them, so a query costs the caller's rows, not the table's.

Clocks are the caller's: ``today`` is a ``datetime.date`` in UTC, never Postgres ``now()``, so tests can
freeze time and the month window is the one the request saw.
"""
import datetime

from sqlalchemy import BigInteger, Date, Integer, SmallInteger, String, column, func, select, table

from jobhax.jobapps.models import ApplicationStatus

SOURCES = ("Hired.com", "LinkedIn", "Indeed", "Vettery", "Others")
TOTAL = "Total"
MONTHS_SHOWN = 12
# Fixed English names: the contract says English whatever the server's locale (calendar.month_name is not).
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")

job_applications = table(
    "job_applications", column("user_id", Integer), column("jobapp_id", Integer), schema="reporting")
status_counts = table(
    "status_counts", column("user_id", Integer), column("status_id", SmallInteger), column("status", String),
    column("count", BigInteger), schema="reporting")
title_status_counts = table(
    "title_status_counts", column("user_id", Integer), column("job_title", String),
    column("status_id", SmallInteger), column("status", String), column("count", BigInteger), schema="reporting")
monthly_source_counts = table(
    "monthly_source_counts", column("user_id", Integer), column("month", Date), column("source_bucket", String),
    column("count", BigInteger), schema="reporting")
company_counts = table(
    "company_counts", column("user_id", Integer), column("company", String), column("count", BigInteger),
    schema="reporting")


def month_window(today):
    """The first days of the 12 calendar months ending with ``today``'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [datetime.date(i // 12, i % 12 + 1, 1) for i in range(index - MONTHS_SHOWN + 1, index + 1)]


def total_application_count_statement(user_id):
    return select(func.count()).select_from(job_applications).where(job_applications.c.user_id == user_id)


def total_application_count(dbsession, user_id):
    return dbsession.scalar(total_application_count_statement(user_id))


def application_count_by_month_statement(user_id, months):
    c = monthly_source_counts.c
    return (select(c.month, c.source_bucket, c.count)
            .where(c.user_id == user_id, c.month >= months[0], c.month <= months[-1]))


def application_count_by_month(dbsession, user_id, today, with_total=False):
    """``[[{source, data: [count per month]}, ...], [month names]]`` for the 12 months ending with today's."""
    months = month_window(today)
    rows = dbsession.execute(application_count_by_month_statement(user_id, months)).all()
    counts = {(month, source): count for month, source, count in rows}
    series = [{"source": source, "data": [counts.get((month, source), 0) for month in months]}
              for source in SOURCES]
    if with_total:
        series.append({"source": TOTAL, "data": [sum(s["data"][i] for s in series) for i in range(len(months))]})
    return [series, [MONTH_NAMES[month.month - 1] for month in months]]


def count_by_statuses_statement(user_id):
    c = status_counts.c
    return select(c.status, c.count).where(c.user_id == user_id).order_by(c.status_id)


def count_by_statuses(dbsession, user_id):
    rows = dbsession.execute(count_by_statuses_statement(user_id)).all()
    return [{"name": status, "value": count} for status, count in rows]


def word_count_statement(user_id):
    """Companies by count descending, then by code point: collation "C" compares bytes, which for UTF-8 is
    code-point order, whatever the database's default collation."""
    c = company_counts.c
    return select(c.company, c.count).where(c.user_id == user_id).order_by(c.count.desc(), c.company.collate("C"))


def word_count(dbsession, user_id):
    rows = dbsession.execute(word_count_statement(user_id)).all()
    return [{"word": company, "value": count} for company, count in rows]


def count_by_jobtitle_and_statuses_statement(user_id):
    """Every status, even unused ones, left-joined to the caller's rows of reporting.title_status_counts:
    the status list and the counts in one statement."""
    statuses = ApplicationStatus.__table__
    t = title_status_counts.alias("t")
    return (select(statuses.c.id, statuses.c.value, t.c.job_title, t.c.count)
            .select_from(statuses.outerjoin(t, (t.c.status_id == statuses.c.id) & (t.c.user_id == user_id)))
            .order_by(statuses.c.id))


def count_by_jobtitle_and_statuses(dbsession, user_id):
    names = {}
    counts = {}
    totals = {}
    for status_id, status, title, count in dbsession.execute(count_by_jobtitle_and_statuses_statement(user_id)):
        names[status_id] = status
        if title is not None:
            counts[status_id, title] = count
            totals[title] = totals.get(title, 0) + count
    # Python compares str by code point, the order the contract gives titles of equal count.
    jobs = sorted(totals, key=lambda title: (-totals[title], title))
    return {
        "jobs": jobs,
        "statuses": list(names.values()),
        "data": [{"name": name, "data": [counts.get((status_id, title), 0) for title in jobs]}
                 for status_id, name in names.items()],
    }
