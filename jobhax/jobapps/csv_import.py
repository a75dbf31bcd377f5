"""import_csv: applications from our own export, or from Huntr's and Teal's exports.

Columns are found by name (case, spaces, underscores and dashes aside), so any of the three headers, in any
order, works: our ``job_title``, Huntr's ``Job Title``/``Title``, Teal's ``Job Position``; ``company`` or
``Company Name``; ``status``, Huntr's ``List`` or a ``Stage``; ``applied_on``, ``Date Applied``,
``Applied At``; ``job_url``, ``URL``, ``Job Post URL``; ``location``; ``notes``. Other columns are ignored.

Each record is checked with the rules of add_jobapp (the same Colander schema) and is created whole or
skipped with its reason and the line it starts on (the header is line 1). A status no visible status is
named after becomes a custom status of the caller's. The valid records are written together: one
statement per table whatever their number, so a 1 MiB file costs what a ten-line one does.
"""

import csv
import datetime
import io

import colander
from sqlalchemy import text
from zope.sqlalchemy import mark_changed

from jobhax import quotas
from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps import services, statuses
from jobhax.jobapps.models import NOTE_MAX, ORIGIN_IMPORT, STATUS_VALUE_MAX
from jobhax.jobapps.request_schemas import AddJobappBody
from jobhax.validation import Flag
from jobhax.webhooks import events as webhook_events

DEFAULT_STATUS = "Applied"

# Our column (as the export names it) ← every header name that means it, normalised by _header_key.
COLUMNS = {
    "job_title": ("job title", "title", "job position", "position", "role", "job"),
    "company": ("company", "company name", "employer", "organization"),
    "status": ("status", "stage", "list", "list name"),
    "rejected": ("rejected",),
    "applied_on": ("applied on", "date applied", "applied date", "applied at", "application date", "applied"),
    "source": ("source",),
    "location": ("location", "job location"),
    "job_url": ("job url", "url", "job post url", "job link", "link", "posting url"),
    "notes": ("notes", "note"),
}
# Day formats of spreadsheets and US trackers, beside ISO-8601.
DAY_FORMATS = ("%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y", "%b %d, %Y", "%B %d, %Y", "%d %b %Y")
FORMULA_MARK = ("'=", "'+", "'-", "'@")


def _header_key(name):
    return " ".join(name.replace("_", " ").replace("-", " ").lower().split())


def column_positions(header):
    """``{our column: index in the record}``; 10 unless a title and a company column are named."""
    keys = [_header_key(name) for name in header]
    positions = {}
    for column, names in COLUMNS.items():
        for name in names:
            if name in keys:
                positions[column] = keys.index(name)
                break
    if "job_title" not in positions or "company" not in positions:
        raise ApiError(
            ErrorCode.INVALID_PARAMETERS,
            detail="the header must name a job title column and a company column",
        )
    return positions


def _cell(record, positions, column):
    index = positions.get(column)
    if index is None or index >= len(record):
        return ""
    value = record[index].strip()
    # Our export marks formula-like cells with a leading '; the value is what follows it.
    return value[1:] if value.startswith(FORMULA_MARK) else value


def parse_date(value):
    """An aware UTC datetime from ISO-8601 or a common spreadsheet day; ValueError otherwise."""
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for day_format in DAY_FORMATS:
            try:
                parsed = datetime.datetime.strptime(value, day_format)
                break
            except ValueError:
                continue
        else:
            raise
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.astimezone(datetime.UTC)


def _reason(error):
    return "; ".join(f"{name}: {message}" for name, message in sorted(error.asdict().items()))


def read_record(record, positions, now):
    """One application as a dict, or a reason (str) why it cannot be created."""
    cells = {column: _cell(record, positions, column) for column in COLUMNS}
    if "\x00" in "".join(record):
        return "contains a NUL character"
    fields = {
        "job_title": cells["job_title"],
        "company": cells["company"],
        "source": cells["source"],
        "location": cells["location"],
        "job_url": cells["job_url"],
    }
    try:
        jobapp = AddJobappBody().deserialize(fields)
    except colander.Invalid as error:
        return _reason(error)
    try:
        jobapp["apply_date"] = parse_date(cells["applied_on"]) if cells["applied_on"] else now
    except (ValueError, OverflowError):
        return f"applied_on: {cells['applied_on']!r} is not a date"
    try:
        jobapp["is_rejected"] = (
            Flag().deserialize(None, cells["rejected"].lower()) if cells["rejected"] else False
        )
    except colander.Invalid:
        return f"rejected: {cells['rejected']!r} is not true or false"
    status = cells["status"] or DEFAULT_STATUS
    if len(status) > STATUS_VALUE_MAX:
        return f"status: longer than {STATUS_VALUE_MAX} characters"
    jobapp["status"] = status
    notes = [line.strip() for line in cells["notes"].splitlines() if line.strip()]
    if len(notes) > quotas.NOTES_PER_APPLICATION:
        return f"notes: more than {quotas.NOTES_PER_APPLICATION}"
    if any(len(note) > NOTE_MAX for note in notes):
        return f"notes: a note is longer than {NOTE_MAX} characters"
    jobapp["notes"] = notes
    return jobapp


def read_csv(body, now):
    """``(applications as (line, dict), skipped as {line, reason})`` from the file's bytes."""
    try:
        content = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(ErrorCode.INVALID_PARAMETERS, detail="the file must be UTF-8 text") from None
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ApiError(
            ErrorCode.INVALID_PARAMETERS, detail="the file must start with a header line"
        ) from None
    positions = column_positions(header)
    applications, skipped = [], []
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            skipped.append({"line": line, "reason": f"not valid CSV: {error}"})
            line = reader.line_num + 1
            continue
        if any(cell.strip() for cell in record):
            read = read_record(record, positions, now)
            if isinstance(read, str):
                skipped.append({"line": line, "reason": read})
            else:
                applications.append((line, read))
        line = reader.line_num + 1
    return applications, skipped


_LIVE_COUNT = text(
    "SELECT count(*) FROM (SELECT 1 FROM job_applications WHERE user_id = :user_id AND deleted_at IS NULL "
    "LIMIT :quota) AS live"
)
_NEW_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('job_applications', 'id')) FROM generate_series(1, :n)"
)
_INSERT_JOBAPPS = text("""INSERT INTO job_applications
    (id, user_id, job_title, company, source, status_id, is_rejected, apply_date, job_url, location)
SELECT id, :user_id, job_title, company, source, status_id, is_rejected, apply_date, job_url, location
FROM unnest(CAST(:ids AS integer[]), CAST(:titles AS text[]), CAST(:companies AS text[]),
            CAST(:sources AS text[]), CAST(:status_ids AS integer[]), CAST(:rejected AS boolean[]),
            CAST(:dates AS timestamptz[]), CAST(:urls AS text[]), CAST(:locations AS text[]))
    AS r(id, job_title, company, source, status_id, is_rejected, apply_date, job_url, location)""")
_INSERT_NOTES = text("""INSERT INTO notes (user_id, jobapp_id, description, created_at)
SELECT :user_id, jobapp_id, description, :now
FROM unnest(CAST(:ids AS integer[]), CAST(:descriptions AS text[])) AS n(jobapp_id, description)""")


def import_csv(dbsession, user_id, body, now):
    """Create the file's valid records; ``{"created", "skipped": [{line, reason}]}``."""
    applications, skipped = read_csv(body, now)
    # Every statement runs whatever the file holds, even none: the count never depends on the data.
    # In file order: new custom statuses are created (and listed) in the order the file first names them.
    named = list(dict.fromkeys(a["status"] for _, a in applications))
    status_ids = statuses.ensure_statuses(dbsession, user_id, named)
    quotas.lock(dbsession, "jobapps", user_id)
    limit = quotas.LIVE_APPLICATIONS
    room = limit - dbsession.scalar(_LIVE_COUNT, {"user_id": user_id, "quota": limit})
    kept = []
    for line, jobapp in applications:
        if status_ids.get(jobapp["status"]) is None:
            reason = f"status: no room for another custom status (quota {quotas.CUSTOM_STATUSES})"
            skipped.append({"line": line, "reason": reason})
        elif len(kept) >= room:
            skipped.append({"line": line, "reason": f"quota exceeded: {limit} live applications"})
        else:
            kept.append(jobapp)
    skipped.sort(key=lambda entry: entry["line"])
    _insert(dbsession, user_id, kept, status_ids, now)
    return {"created": len(kept), "skipped": skipped}


def _insert(dbsession, user_id, applications, status_ids, now):
    ids = dbsession.scalars(_NEW_IDS, {"n": len(applications)}).all()
    chosen = [status_ids[a["status"]] for a in applications]
    dbsession.execute(
        _INSERT_JOBAPPS,
        {
            "user_id": user_id,
            "ids": ids,
            "titles": [a["job_title"] for a in applications],
            "companies": [a["company"] for a in applications],
            "sources": [a["source"] for a in applications],
            "status_ids": chosen,
            "rejected": [a["is_rejected"] for a in applications],
            "dates": [a["apply_date"] for a in applications],
            "urls": [a.get("job_url") or None for a in applications],
            "locations": [a.get("location") or None for a in applications],
        },
    )
    services.record_first_status(dbsession, user_id, ids, chosen, now, origin=ORIGIN_IMPORT)
    notes = [(jobapp_id, note) for jobapp_id, a in zip(ids, applications, strict=True) for note in a["notes"]]
    dbsession.execute(
        _INSERT_NOTES,
        {"user_id": user_id, "ids": [n[0] for n in notes], "descriptions": [n[1] for n in notes], "now": now},
    )
    webhook_events.jobapps_created(dbsession, user_id, ids)
    # Plain SQL writes: tell pyramid_tm the session has something to commit.
    mark_changed(dbsession)
