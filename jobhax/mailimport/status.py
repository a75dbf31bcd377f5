"""A user's last import as ``sync_status`` answers it: read by the endpoint and sent with import.finished."""

from sqlalchemy import select

from jobhax.jobapps.serializers import utc_z
from jobhax.mailimport.models import MailImport

IDLE = "idle"
COUNTERS = ("messages_total", "messages_processed", "messages_skipped", "jobapps_created", "jobapps_updated")


def sync_status(dbsession, user_id):
    """The user's last import as sync_status answers it (``idle`` before the first)."""
    row = dbsession.scalar(
        select(MailImport).where(MailImport.user_id == user_id).execution_options(populate_existing=True)
    )
    if row is None:
        row = MailImport(state=IDLE, error=None, **dict.fromkeys(COUNTERS, 0))
    return {
        "state": row.state,
        "started_at": utc_z(row.started_at) if row.started_at else None,
        "finished_at": utc_z(row.finished_at) if row.finished_at else None,
        **{name: getattr(row, name) for name in COUNTERS},
        "error": row.error,
    }
