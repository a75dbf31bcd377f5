"""Registrations per client address: ``jobhax.register_per_hour`` within an hour, then 12 (0 = unlimited).

One row per address holds the start of its current hour and the registrations since. The upsert that
counts also locks the row, so parallel registrations from one address are counted one after the other and
never more than the limit get through. A refused registration rolls its count back with it, as does any
failed one: only accounts actually created count.
"""

import datetime

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert

from jobhax.accounts.models import RegistrationCounter
from jobhax.envelope import ApiError, ErrorCode

WINDOW = datetime.timedelta(hours=1)


def count_registration(dbsession, address, limit, now):
    """Count one registration from ``address``; 12 if it is over ``limit`` within the hour."""
    if not limit:
        return
    table = RegistrationCounter.__table__
    expired = table.c.window_start <= now - WINDOW
    count = dbsession.scalar(
        insert(RegistrationCounter)
        .values(address=address, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[RegistrationCounter.address],
            set_={
                "window_start": case((expired, now), else_=table.c.window_start),
                "count": case((expired, 1), else_=table.c.count + 1),
            },
        )
        .returning(RegistrationCounter.count)
    )
    if count > limit:
        raise ApiError(ErrorCode.TOO_MANY_ATTEMPTS)
