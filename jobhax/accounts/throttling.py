"""Login throttling: failures counted per (username, client address) and per client address.

A lock per username alone let anyone lock any user out; counting per (username, address) locks out only
the guesser, and the per-address limit (``jobhax.login_failures_per_address``) stops one address trying
many usernames. ``/api/users/login`` and ``/oauth/token`` share the counts.

Each password grant is first *reserved*: in a short transaction of its own, before the request's, under an
advisory lock on the address, the counts are read and, when under both limits, a failure row is inserted
and committed before the password is checked. Twenty parallel guesses therefore see each other's
reservations: at most five get to try a password. The right password (or a grant that never got to check
one, such as a wrong client) deletes its row again. Attempts refused with 12 write nothing, so an
address has at most ``login_failures_per_address`` rows per window, and each reservation prunes a batch
of rows older than the window: the table never grows without bound.
"""

import datetime
import functools
import ipaddress

from sqlalchemy import DateTime, String, delete, func, insert, literal, select

from jobhax.accounts.models import USERNAME_MAX, LoginFailure
from jobhax.config import ConfigurationError, words

MAX_FAILURES = 5  # per (username, address)
WINDOW = datetime.timedelta(minutes=15)
PRUNE_BATCH = 100


def client_address(request):
    """The socket's peer, or the address a trusted proxy saw (the rightmost X-Forwarded-For entry that is
    not itself one of our proxies)."""
    peer = request.remote_addr or ""
    proxies = trusted_proxies(tuple(request.registry.settings["jobhax.trusted_proxy"]))
    if not _is_one_of(peer, proxies):
        return peer
    forwarded = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
    for entry in reversed(forwarded):
        try:
            address = str(ipaddress.ip_address(entry))
        except ValueError:
            return peer  # a proxy we trust wrote garbage: count against the proxy, never a made-up address
        if not _is_one_of(address, proxies):
            return address
    return peer


@functools.lru_cache(maxsize=8)
def trusted_proxies(values):
    """``jobhax.trusted_proxy``: addresses or networks (``10.0.0.0/8``); ConfigurationError if bad."""
    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in words(list(values)))
    except ValueError as error:
        raise ConfigurationError(f"jobhax.trusted_proxy (JOBHAX_TRUSTED_PROXY): {error}") from None


def _is_one_of(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class LoginAttempt:
    """One password grant's reserved failure row, settled once the grant is done: kept when the password
    was wrong, deleted when it was right or was never checked (a wrong client, a malformed request)."""

    def __init__(self, reserved):
        self.reserved = reserved
        self.refused = reserved is None
        self.password_right = None

    def settle(self, dbsession):
        if self.reserved is not None and self.password_right is not False:
            dbsession.execute(delete(LoginFailure).where(LoginFailure.id == self.reserved))


def reserve_attempt(engine, username, address, now, per_address):
    """The id of a failure row reserved for this attempt, or None when the pair or the address is locked.

    Runs and commits in a short transaction of its own on ``engine``, before the request's transaction
    uses the database: concurrent attempts see the reservation at once, and a request never holds two
    connections at the same time.
    """
    username = username[:USERNAME_MAX]
    since = now - WINDOW
    counts = (
        select(
            func.count().filter(LoginFailure.username == username).label("pair"),
            func.count().label("address"),
        )
        .where(LoginFailure.address == address, LoginFailure.failed_at > since)
        .cte("counts")
    )
    reserve = (
        insert(LoginFailure)
        .from_select(
            ["username", "address", "failed_at"],
            select(literal(username, String), literal(address, String), literal(now, DateTime(timezone=True)))
            .select_from(counts)
            .where(counts.c.pair < MAX_FAILURES, counts.c.address < per_address),
        )
        .returning(LoginFailure.id)
    )
    expired = (
        select(LoginFailure.id)
        .where(LoginFailure.failed_at <= since)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    with engine.begin() as connection:
        connection.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended("jobhax-login " + address, 0)))
        )
        attempt = connection.scalar(reserve)
        connection.execute(delete(LoginFailure).where(LoginFailure.id.in_(expired)))
    return attempt


def address_locked(dbsession, address, now, per_address):
    """Whether ``address`` has used up its failures (register answers 12 then, as login does)."""
    failures = dbsession.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.failed_at > now - WINDOW)
    )
    return failures >= per_address
