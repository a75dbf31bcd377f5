"""Account rules: registration, OAuth clients, token pairs, login throttling."""

import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from jobhax.accounts import secrets
from jobhax.accounts.models import LoginFailure, OAuthClient, OAuthToken, User
from jobhax.accounts.passwords import hash_password
from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode

DEFAULT_SCOPE = "read write"
THROTTLE_MAX_FAILURES = 5
THROTTLE_WINDOW = datetime.timedelta(minutes=15)


def register_user(dbsession, *, username, email, password, password2, first_name="", last_name=""):
    if password != password2:
        raise ApiError(ErrorCode.PASSWORDS_DO_NOT_MATCH)
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


def is_throttled(dbsession, username, now):
    failures = dbsession.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.failed_at > now - THROTTLE_WINDOW)
    )
    return failures >= THROTTLE_MAX_FAILURES


def record_login_failure(dbsession, username, now):
    # Failures older than the window never count again: drop them as new ones arrive.
    dbsession.execute(
        delete(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.failed_at <= now - THROTTLE_WINDOW
        )
    )
    dbsession.add(LoginFailure(username=username, failed_at=now))
    dbsession.flush()


def issue_token_pair(dbsession, *, user_id, client_pk, expires_in, scope=DEFAULT_SCOPE, now=None):
    """Issue a fresh access/refresh pair outside oauthlib's grants (social login, test factories)."""
    token = {
        "access_token": secrets.generate_token(),
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": scope,
        "refresh_token": secrets.generate_token(),
    }
    store_token_pair(dbsession, token, user_id=user_id, client_pk=client_pk, now=now)
    return token


def store_token_pair(dbsession, token, *, user_id, client_pk, now=None):
    now = now or utcnow()
    dbsession.add(
        OAuthToken(
            user_id=user_id,
            client_pk=client_pk,
            access_token_hash=secrets.digest(token["access_token"]),
            refresh_token_hash=secrets.digest(token["refresh_token"]) if token.get("refresh_token") else None,
            scope=token.get("scope") or DEFAULT_SCOPE,
            expires_at=now + datetime.timedelta(seconds=int(token["expires_in"])),
            created_at=now,
        )
    )
    dbsession.flush()


def live_refresh_token(dbsession, refresh_token, client_pk):
    """The unrevoked pair holding ``refresh_token``, locked so concurrent refreshes serialize."""
    return dbsession.scalar(
        select(OAuthToken)
        .where(
            OAuthToken.refresh_token_hash == secrets.digest(refresh_token),
            OAuthToken.client_pk == client_pk,
            OAuthToken.revoked_at.is_(None),
        )
        .with_for_update()
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


def user_id_for_access_token(dbsession, access_token, now):
    return dbsession.scalar(
        select(OAuthToken.user_id).where(
            OAuthToken.access_token_hash == secrets.digest(access_token),
            OAuthToken.revoked_at.is_(None),
            OAuthToken.expires_at > now,
        )
    )
