"""Account rules: registration, OAuth clients, token pairs and their families."""

import datetime
import logging
import uuid

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from jobhax.accounts import secrets
from jobhax.accounts.models import OAuthClient, OAuthToken, User
from jobhax.accounts.passwords import hash_password, password_problem
from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode, invalid_parameters

log = logging.getLogger(__name__)

DEFAULT_SCOPE = "read write"
REFRESH_EXPIRES_IN = 30 * 24 * 3600  # jobhax.refresh_token_expires_in's default


def register_user(dbsession, *, username, email, password, password2, first_name="", last_name=""):
    if password != password2:
        raise ApiError(ErrorCode.PASSWORDS_DO_NOT_MATCH)
    problem = password_problem(password, username=username, email=email)
    if problem:
        raise invalid_parameters(problem)
    taken = dbsession.execute(
        select(User.username == username, func.lower(User.email) == email.lower()).where(
            (User.username == username) | (func.lower(User.email) == email.lower())
        )
    ).all()
    if any(row[0] for row in taken):
        raise ApiError(ErrorCode.USERNAME_TAKEN)
    if taken:
        raise ApiError(ErrorCode.EMAIL_TAKEN)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password_hash=hash_password(password),
    )
    dbsession.add(user)
    try:
        dbsession.flush()
    except IntegrityError as error:
        # Lost a race with a concurrent registration: same answer as if it had come first.
        constraint = getattr(error.orig.diag, "constraint_name", "") or ""
        raise ApiError(ErrorCode.EMAIL_TAKEN if "email" in constraint else ErrorCode.USERNAME_TAKEN) from None
    return user


def create_client(dbsession, name):
    """Return (client, plain secret): the secret exists only in this return value."""
    client_id = secrets.random_string(secrets.CLIENT_ID_LENGTH)
    client_secret = secrets.random_string(secrets.CLIENT_SECRET_LENGTH)
    client = OAuthClient(client_id=client_id, secret_hash=secrets.digest(client_secret), name=name)
    dbsession.add(client)
    dbsession.flush()
    return client, client_secret


def authenticate_client(dbsession, client_id, client_secret):
    if not isinstance(client_id, str) or not isinstance(client_secret, str):
        return None
    client = dbsession.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is None or not secrets.same_digest(client_secret, client.secret_hash):
        return None
    return client


def issue_token_pair(
    dbsession,
    *,
    user_id,
    client_pk,
    expires_in,
    refresh_expires_in=REFRESH_EXPIRES_IN,
    scope=DEFAULT_SCOPE,
    now=None,
):
    """Issue a fresh access/refresh pair, a new family, outside oauthlib's grants (social login, tests)."""
    token = {
        "access_token": secrets.generate_token(),
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": scope,
        "refresh_token": secrets.generate_token(),
    }
    store_token_pair(
        dbsession, token, user_id=user_id, client_pk=client_pk, now=now, refresh_expires_in=refresh_expires_in
    )
    return token


def store_token_pair(
    dbsession, token, *, user_id, client_pk, now=None, rotated=None, refresh_expires_in=REFRESH_EXPIRES_IN
):
    """Store a pair: a login starts a family ending ``refresh_expires_in`` from now; a refresh (``rotated``:
    the pair it replaces) continues that family and keeps its end."""
    now = now or utcnow()
    if rotated is None:
        family_id, refresh_expires_at = uuid.uuid4(), now + datetime.timedelta(seconds=refresh_expires_in)
    else:
        family_id, refresh_expires_at = rotated.family_id, rotated.refresh_expires_at
    dbsession.add(
        OAuthToken(
            user_id=user_id,
            client_pk=client_pk,
            access_token_hash=secrets.digest(token["access_token"]),
            refresh_token_hash=secrets.digest(token["refresh_token"]) if token.get("refresh_token") else None,
            scope=token.get("scope") or DEFAULT_SCOPE,
            expires_at=now + datetime.timedelta(seconds=int(token["expires_in"])),
            created_at=now,
            family_id=family_id,
            refresh_expires_at=refresh_expires_at,
        )
    )
    dbsession.flush()


def live_refresh_token(dbsession, refresh_token, client_pk, now):
    """The unrevoked pair holding ``refresh_token`` within its family's lifetime, locked so concurrent
    refreshes serialize."""
    return dbsession.scalar(
        select(OAuthToken)
        .where(
            OAuthToken.refresh_token_hash == secrets.digest(refresh_token),
            OAuthToken.client_pk == client_pk,
            OAuthToken.revoked_at.is_(None),
            OAuthToken.refresh_expires_at > now,
        )
        .with_for_update()
    )


def revoke_family(dbsession, refresh_token, client_pk, now):
    """A refresh token that is known but no longer live was replayed: someone holds a copy. Which of the
    two holders is the user cannot be told, so every pair descending from that login is revoked."""
    spent = (
        select(OAuthToken.user_id, OAuthToken.family_id)
        .where(
            OAuthToken.refresh_token_hash == secrets.digest(refresh_token),
            OAuthToken.client_pk == client_pk,
            # Spent (rotated, logged out), not merely past the family's end: that is no replay.
            OAuthToken.revoked_at.is_not(None),
        )
        .subquery("spent")
    )
    revoked = dbsession.execute(
        update(OAuthToken)
        .where(
            OAuthToken.user_id == spent.c.user_id,
            OAuthToken.family_id == spent.c.family_id,
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(OAuthToken.user_id)
    ).all()
    if revoked:
        log.warning("a spent refresh token was replayed: user %s's login revoked", revoked[0].user_id)


def revoke_all_tokens(dbsession, user_id, now=None):
    """Every access and refresh token of the user stops working (logout_all, an account taken over)."""
    dbsession.execute(
        update(OAuthToken)
        .where(OAuthToken.user_id == user_id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )


def revoke_pair(dbsession, *, client_pk, token, now=None):
    """Revoke the pair that ``token`` (access or refresh) belongs to; False if none is live."""
    hashed = secrets.digest(token)
    revoked = dbsession.execute(
        update(OAuthToken)
        .where(
            OAuthToken.client_pk == client_pk,
            OAuthToken.revoked_at.is_(None),
            (OAuthToken.access_token_hash == hashed) | (OAuthToken.refresh_token_hash == hashed),
        )
        .values(revoked_at=now or utcnow())
        .returning(OAuthToken.id)
    ).first()
    return revoked is not None


_tokens = OAuthToken.__table__
# Built once, of Core columns: every protected request runs it, and a statement built per request (or one
# of ORM attributes) costs more Python than the database spends answering it.
_ACCESS_TOKEN_OWNER = select(_tokens.c.user_id).where(
    _tokens.c.access_token_hash == bindparam("digest"),
    _tokens.c.revoked_at.is_(None),
    _tokens.c.expires_at > bindparam("now"),
)


def access_token_owner_statement(access_token, now):
    """The bearer lookup every protected request makes: one probe of the unique digest index."""
    return _ACCESS_TOKEN_OWNER.params(digest=secrets.digest(access_token), now=now)


def user_id_for_access_token(connection, access_token, now):
    """The owner of a live access token, or None; ``connection`` is the request's session's connection."""
    return connection.scalar(_ACCESS_TOKEN_OWNER, {"digest": secrets.digest(access_token), "now": now})


def revoke_user_tokens(dbsession, user_id, now=None, keep_access_token=None):
    """Revoke every live pair of the user, except the pair of ``keep_access_token`` when given."""
    query = update(OAuthToken).where(OAuthToken.user_id == user_id, OAuthToken.revoked_at.is_(None))
    if keep_access_token is not None:
        query = query.where(OAuthToken.access_token_hash != secrets.digest(keep_access_token))
    dbsession.execute(query.values(revoked_at=now or utcnow()))
