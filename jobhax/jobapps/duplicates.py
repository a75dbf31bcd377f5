"""get_duplicates and merge_jobapps: the same job tracked twice, found and folded into one application.

Two live applications of a user are duplicates when their company and title agree as company_key and
title_key say (generated columns; jobhax/sql/0007_duplicate_keys.sql holds the rule). Merging keeps one
application and moves everything hanging off the others onto it (notes, status history, mails, the job
posting), then soft-deletes them; the metric counters follow by trigger.
"""

from sqlalchemy import text
from zope.sqlalchemy import mark_changed

from jobhax import quotas
from jobhax.envelope import ApiError, ErrorCode
from jobhax.jobapps import queries
from jobhax.jobapps.models import ORIGIN_USER
from jobhax.webhooks import events as webhook_events

# "Furthest" for merging: the shared statuses along the pipeline (To Apply comes before Applied); a custom
# status counts as past Applied and before Phone Screen, and between custom ones the later position wins.
PIPELINE = {2: 0, 1: 1, 3: 3, 4: 4, 5: 5}
CUSTOM_RANK = 2


def duplicates_json(dbsession, user_id):
    """``[[application, ...], ...]`` as JSON text: every group of two or more duplicates."""
    return dbsession.scalar(queries.duplicate_groups_json_statement(user_id))


_LOCK = text("""SELECT j.id, j.status_id, j.apply_date, j.is_rejected, s.user_id IS NOT NULL, s.position,
       (SELECT count(*) FROM notes n WHERE n.user_id = j.user_id AND n.jobapp_id = j.id)
FROM job_applications j LEFT JOIN application_statuses s ON s.id = j.status_id
WHERE j.user_id = :user_id AND j.deleted_at IS NULL AND j.id = ANY(CAST(:ids AS integer[]))
ORDER BY j.id
FOR UPDATE OF j""")

# Everything of the merged applications moves in one statement; the kept one's posting wins, else the first
# merged one that has one. Fields the kept application lacks are taken from the merged ones, in order.
_MOVE = text("""WITH notes_moved AS (
    UPDATE notes SET jobapp_id = :keep_id
    WHERE user_id = :user_id AND jobapp_id = ANY(CAST(:merge_ids AS integer[])) RETURNING 1),
history_moved AS (
    UPDATE status_history SET jobapp_id = :keep_id
    WHERE user_id = :user_id AND jobapp_id = ANY(CAST(:merge_ids AS integer[])) RETURNING 1),
mails_moved AS (
    UPDATE mails SET jobapp_id = :keep_id
    WHERE user_id = :user_id AND jobapp_id = ANY(CAST(:merge_ids AS integer[])) RETURNING 1),
posting_moved AS (
    UPDATE job_postings SET jobapp_id = :keep_id
    WHERE user_id = :user_id
      AND jobapp_id = (SELECT p.jobapp_id FROM job_postings p
                       WHERE p.user_id = :user_id AND p.jobapp_id = ANY(CAST(:merge_ids AS integer[]))
                       ORDER BY array_position(CAST(:merge_ids AS integer[]), p.jobapp_id) LIMIT 1)
      AND NOT EXISTS (SELECT 1 FROM job_postings WHERE user_id = :user_id AND jobapp_id = :keep_id)
    RETURNING 1),
fill AS (
    SELECT (array_agg(job_url ORDER BY o) FILTER (WHERE job_url IS NOT NULL))[1] AS job_url,
           (array_agg(location ORDER BY o) FILTER (WHERE location IS NOT NULL))[1] AS location,
           (array_agg(company_logo ORDER BY o) FILTER (WHERE company_logo IS NOT NULL))[1] AS company_logo,
           (array_agg(source ORDER BY o) FILTER (WHERE source <> ''))[1] AS source,
           min(rejection_changed_at) FILTER (WHERE is_rejected) AS rejected_at
    FROM job_applications j
    JOIN unnest(CAST(:merge_ids AS integer[])) WITH ORDINALITY AS m(id, o) ON m.id = j.id
    WHERE j.user_id = :user_id),
merged_deleted AS (
    UPDATE job_applications SET deleted_at = :now
    WHERE user_id = :user_id AND id = ANY(CAST(:merge_ids AS integer[])) RETURNING 1)
UPDATE job_applications j
SET status_id = :status_id, apply_date = :apply_date, is_rejected = :is_rejected,
    -- The earliest rejection of them all dates the kept one's.
    rejection_changed_at = CASE WHEN :is_rejected
                                THEN least(CASE WHEN j.is_rejected THEN j.rejection_changed_at END, fill.rejected_at)
                                ELSE j.rejection_changed_at END,
    job_url = coalesce(j.job_url, fill.job_url), location = coalesce(j.location, fill.location),
    company_logo = coalesce(j.company_logo, fill.company_logo),
    source = CASE WHEN j.source = '' THEN coalesce(fill.source, '') ELSE j.source END
FROM fill
WHERE j.user_id = :user_id AND j.id = :keep_id""")

# The kept application's status change, if any, is one more history row, after every moved one.
_HISTORY = text("""INSERT INTO status_history (user_id, jobapp_id, status_id, changed_at, origin)
SELECT :user_id, :keep_id, :status_id, :now, :origin WHERE :status_changed""")


def _rank(status_id, custom, position):
    if status_id is None:
        return (-1, 0)
    return (CUSTOM_RANK, position) if custom else (PIPELINE.get(status_id, CUSTOM_RANK), 0)


def merge_jobapps(dbsession, user_id, keep_id, merge_ids, now):
    """Fold ``merge_ids`` into ``keep_id``; any id not a live application of the caller's is 11."""
    merge_ids = list(dict.fromkeys(merge_ids))
    if keep_id in merge_ids:
        raise ApiError(ErrorCode.INVALID_PARAMETERS, detail="keep_id must not be among merge_ids")
    # The kept application's notes quota, as add_note takes it: no note slips in between count and move.
    quotas.lock(dbsession, "notes", keep_id)
    rows = dbsession.execute(_LOCK, {"user_id": user_id, "ids": [keep_id, *merge_ids]}).all()
    if len(rows) != len(merge_ids) + 1:
        raise ApiError(ErrorCode.NOT_FOUND)
    if sum(row[6] for row in rows) > quotas.NOTES_PER_APPLICATION:
        raise ApiError(ErrorCode.QUOTA_EXCEEDED)
    kept = next(row for row in rows if row[0] == keep_id)
    furthest = max(rows, key=lambda row: (_rank(row[1], row[4], row[5]), row[0] == keep_id))
    params = {
        "user_id": user_id,
        "keep_id": keep_id,
        "merge_ids": merge_ids,
        "now": now,
        "status_id": furthest[1],
        "apply_date": min(row[2] for row in rows),
        "is_rejected": any(row[3] for row in rows),
        "status_changed": furthest[1] != kept[1] and furthest[1] is not None,
        "origin": ORIGIN_USER,
    }
    # The merged applications as they were: before they are gone.
    webhook_events.jobapps_deleted(dbsession, user_id, merge_ids)
    dbsession.execute(_MOVE, params)
    dbsession.execute(_HISTORY, params)
    from_status_id = kept[1] if params["status_changed"] else None
    webhook_events.jobapps_updated(dbsession, user_id, [(keep_id, from_status_id)])
    # Plain SQL writes: tell pyramid_tm the session has something to commit.
    mark_changed(dbsession)
