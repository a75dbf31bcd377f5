"""export_csv: the caller's live applications as RFC 4180 CSV, streamed in constant memory.

The body is produced while the server sends it, after pyramid_tm has already ended the request's
transaction, so the rows are read on a connection of their own: one read-only REPEATABLE READ transaction
and one ``COPY (SELECT ...) TO STDOUT``. PostgreSQL's own CSV writer quotes the cells (as csv.writer does:
only where needed); Python passes its lines along in chunks of ``BATCH``, swapping COPY's line feed for
RFC 4180's CRLF. A 10,000-row export costs the web process a few milliseconds of CPU where formatting
110,000 cells with csv.writer cost seventy, holds one chunk in memory, never the file, and is one
statement whatever its size.
"""

import datetime

from sqlalchemy import text

HEADER = (
    "id",
    "job_title",
    "company",
    "status",
    "rejected",
    "applied_on",
    "source",
    "location",
    "job_url",
    "notes",
    "last_update",
)
BATCH = 500
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); a leading ' makes it
# text, and the spreadsheet shows the cell as it was.
FORMULA_STARTS = ("=", "+", "-", "@")
NEWLINE = "\r\n"


def _neutralised(expression):
    starts = ", ".join(f"'{c}'" for c in FORMULA_STARTS)
    return f"CASE WHEN left({expression}, 1) IN ({starts}) THEN '''' || {expression} ELSE {expression} END"


# The caller's notes and history are each read once, by one range of their (user_id, jobapp_id) index, and
# hash-joined: 10,000 probes of those indexes per export cost twice as much. Newest applyDate first, as
# get_jobapps. Times in the contract's format; notes oldest first; last_update is
# get_jobapps' lastUpdate (the newest history row or rejection change).
_ROWS = f"""SELECT j.id, {_neutralised("j.job_title")}, {_neutralised("j.company")}, {_neutralised("s.value")},
       CASE WHEN j.is_rejected THEN 'true' ELSE 'false' END,
       to_char(j.apply_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       {_neutralised("j.source")}, {_neutralised("j.location")}, {_neutralised("j.job_url")},
       {_neutralised("n.notes")},
       to_char(greatest(h.changed_at, j.rejection_changed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM job_applications j
LEFT JOIN application_statuses s ON s.id = j.status_id
LEFT JOIN (SELECT jobapp_id, string_agg(description, E'\\n' ORDER BY created_at, id) AS notes
           FROM notes WHERE user_id = :user_id GROUP BY jobapp_id) n ON n.jobapp_id = j.id
LEFT JOIN (SELECT jobapp_id, max(changed_at) AS changed_at
           FROM status_history WHERE user_id = :user_id GROUP BY jobapp_id) h ON h.jobapp_id = j.id
WHERE j.user_id = :user_id AND j.deleted_at IS NULL{{filters}}
ORDER BY j.apply_date DESC, j.id DESC"""


def export_statement(user_id, status_id=None, first_day=None, last_day=None):
    """The rows of the export; days are UTC calendar days, both included."""
    filters, params = [], {"user_id": user_id}
    if status_id is not None:
        filters.append("j.status_id = :status_id")
        params["status_id"] = status_id
    if first_day is not None:
        filters.append("j.apply_date >= :since")
        params["since"] = datetime.datetime.combine(first_day, datetime.time(), datetime.UTC)
    if last_day is not None:
        filters.append("j.apply_date < :before")
        params["before"] = datetime.datetime.combine(
            last_day, datetime.time(), datetime.UTC
        ) + datetime.timedelta(days=1)
    sql = _ROWS.format(filters="".join(f"\n      AND {f}" for f in filters))
    return text(sql).bindparams(**params)


def stream_csv(engine, statement):
    """Yield the file as UTF-8 chunks: the header, then one chunk per ``BATCH`` lines."""
    yield (",".join(HEADER) + NEWLINE).encode("utf-8")
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            # A 10,000-row export's estimated cost crosses jit_above_cost, and compiling it costs more than
            # the JIT could ever save on a query made of index lookups.
            connection.exec_driver_sql("SET LOCAL jit = off")
            compiled = statement.compile(dialect=connection.dialect)
            copy = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)"
            with connection.connection.driver_connection.cursor() as cursor:
                # COPY goes to the driver itself; SQLAlchemy's own event, fired as Connection.execute
                # fires it, lets statement counters and the SQL recorder of the tests see it.
                connection.dispatch.before_cursor_execute(
                    connection, cursor, copy, compiled.params, None, False
                )
                with cursor.copy(copy, compiled.params) as rows:
                    lines = []
                    for line in rows:
                        lines.append(bytes(line[:-1]))
                        if len(lines) == BATCH:
                            yield _joined(lines)
                            lines = []
                    if lines:
                        yield _joined(lines)


def _joined(lines):
    return b"\r\n".join(lines) + b"\r\n"
