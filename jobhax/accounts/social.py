"""Social login and the provider tokens kept for later calls (Gmail import, LinkedIn profile).

Linking rules: a provider identity is its (provider, subject); a new identity whose email the provider
has verified joins the user with that email if that user's email is verified too. If it is not, the
provider's verified owner takes the account over: whoever registered it with someone else's address loses
its password, its tokens and the identities they attached. Otherwise a new user with a unique username is
created. Each function issues a fixed number of statements whatever the number of users.
"""

import logging
import re
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from jobhax.accounts import audience, provider_tokens
from jobhax.accounts.models import EMAIL_MAX, NAME_MAX, USERNAME_MAX, SocialAccount, User
from jobhax.accounts.services import revoke_all_tokens
from jobhax.clock import utcnow
from jobhax.envelope import ApiError, ErrorCode, ServiceUnavailable
from jobhax.providers import ProviderError, ProviderUnavailable, google, linkedin

log = logging.getLogger(__name__)

GOOGLE = "google-oauth2"
LINKEDIN = "linkedin-oauth2"
IDENTITY = {GOOGLE: google.userinfo, LINKEDIN: linkedin.userinfo}
AUDIENCE = {GOOGLE: audience.check_google, LINKEDIN: audience.check_linkedin}
PROVIDERS = tuple(IDENTITY)

USERNAME_BASE_MAX = USERNAME_MAX - 10  # leaves room for a suffix
USERNAME_CANDIDATES = 20  # base, base2 … base20; beyond that a random suffix


def login_with_provider(dbsession, settings, provider, token):
    """The user behind a provider token, found, linked or created; the token is stored for later calls."""
    if provider not in IDENTITY:
        raise ApiError(ErrorCode.INVALID_PARAMETERS)
    identity = _identify(provider, settings, token, rejected=ErrorCode.INVALID_CREDENTIALS)
    subject = identity["sub"]
    email = _verified_email(identity)
    found = dbsession.execute(
        select(SocialAccount, User)
        .join(User, User.id == SocialAccount.user_id)
        .where(SocialAccount.provider == provider, SocialAccount.subject == subject)
    ).first()
    if found is not None:
        account, user = found
        _store_token(account, settings, token, identity)
        _mark_verified(user, email)
        dbsession.flush()
        return user
    user = _user_to_link(dbsession, provider, email) if email else None
    if user is None:
        user = _create_user(dbsession, identity, email)
    _mark_verified(user, email)
    account = SocialAccount(user_id=user.id, provider=provider, subject=subject)
    _store_token(account, settings, token, identity)
    dbsession.add(account)
    _flush_new(dbsession)
    return user


def link_google_token(dbsession, settings, user_id, token):
    """Store a new Google token for ``user_id`` (3 if Google rejects it or it is another Google account)."""
    identity = _identify(GOOGLE, settings, token, rejected=ErrorCode.GOOGLE_TOKEN_UPDATE_FAILED)
    accounts = dbsession.scalars(
        select(SocialAccount).where(
            SocialAccount.provider == GOOGLE,
            (SocialAccount.user_id == user_id) | (SocialAccount.subject == identity["sub"]),
        )
    ).all()
    own = next((account for account in accounts if account.user_id == user_id), None)
    if own is None and accounts:
        # This Google account already belongs to another user.
        raise ApiError(ErrorCode.GOOGLE_TOKEN_UPDATE_FAILED)
    if own is not None and own.subject != identity["sub"]:
        raise ApiError(ErrorCode.GOOGLE_TOKEN_UPDATE_FAILED)
    if own is None:
        own = SocialAccount(user_id=user_id, provider=GOOGLE, subject=identity["sub"])
        dbsession.add(own)
    _store_token(own, settings, token, identity)
    dbsession.flush()
    return own


def google_token(dbsession, settings, user_id):
    """The user's Google token, decrypted, or None when there is none usable."""
    return _token(dbsession, settings, user_id, GOOGLE)


def mark_google_token_unusable(dbsession, user_id):
    """Google refused the token: imports stop asking until update_gmail_token stores a new one."""
    dbsession.execute(
        update(SocialAccount)
        .where(SocialAccount.user_id == user_id, SocialAccount.provider == GOOGLE)
        .values(token_usable=False, updated_at=utcnow())
    )


def linkedin_profile(dbsession, settings, user_id):
    """The user's LinkedIn profile (2 without a LinkedIn token or when LinkedIn rejects it)."""
    token = _token(dbsession, settings, user_id, LINKEDIN)
    if token is None:
        raise ApiError(ErrorCode.PROFILE_NOT_FOUND)
    try:
        return linkedin.profile(settings, token)
    except ProviderUnavailable:
        raise ServiceUnavailable() from None
    except ProviderError:
        raise ApiError(ErrorCode.PROFILE_NOT_FOUND) from None


def _identify(provider, settings, token, rejected):
    """The provider's identity for ``token``, once the token is known to be issued to us; any refusal, a
    token of another app or an answer without a subject is ``rejected``."""
    try:
        AUDIENCE[provider](settings, token)
        identity = IDENTITY[provider](settings, token)
    except ProviderUnavailable:
        raise ServiceUnavailable() from None
    except (ProviderError, audience.NotOurs):
        raise ApiError(rejected) from None
    subject = identity.get("sub")
    if not isinstance(subject, (str, int)) or isinstance(subject, bool) or str(subject) == "":
        raise ApiError(rejected)
    return dict(identity, sub=str(subject))


def _verified_email(identity):
    email = identity.get("email")
    # Google and LinkedIn both send a JSON boolean; some proxies stringify it.
    verified = identity.get("email_verified") in (True, "true")
    if not verified or not isinstance(email, str) or "@" not in email or len(email) > EMAIL_MAX:
        return None
    return email.strip()


def _mark_verified(user, verified_email):
    """The provider vouches for the address: the account's email counts as verified (DESIGN)."""
    if verified_email and user.email and user.email.lower() == verified_email.lower():
        user.email_verified = True


def _user_to_link(dbsession, provider, email):
    """The user with this (provider-verified) email, taken over first if its own email is unverified;
    None when there is none, or when a verified one already has another identity at this provider."""
    row = dbsession.execute(
        select(User, SocialAccount.id)
        .outerjoin(SocialAccount, (SocialAccount.user_id == User.id) & (SocialAccount.provider == provider))
        .where(User.email != "", func.lower(User.email) == email.lower())
    ).first()
    if row is None:
        return None
    user, other_identity = row
    if not user.email_verified:
        _take_over(dbsession, user)
        return user
    return None if other_identity is not None else user


def _take_over(dbsession, user):
    """The provider proved this address belongs to its owner; whoever holds the account without having
    proved it (a planted registration) loses the password, every token and every identity they linked."""
    log.warning("user %s taken over by the provider-verified owner of its email", user.id)
    user.password_hash = None
    user.email_verified = True
    revoke_all_tokens(dbsession, user.id)
    dbsession.execute(delete(SocialAccount).where(SocialAccount.user_id == user.id))


def _create_user(dbsession, identity, verified_email):
    base = _username_base(identity)
    candidates = [base] + [f"{base}{n}" for n in range(2, USERNAME_CANDIDATES + 1)]
    email = verified_email or ""
    # One indexed statement: which candidate usernames are taken, and is the email free.
    taken = dbsession.execute(
        select(User.username, User.email).where(
            User.username.in_(candidates) | ((func.lower(User.email) == email.lower()) & (User.email != ""))
        )
    ).all()
    if email and any(row.email.lower() == email.lower() for row in taken):
        # Only reachable when that user has another identity at this provider: leave its email alone.
        email = ""
    usernames = {row.username for row in taken}
    username = next((name for name in candidates if name not in usernames), None)
    if username is None:
        username = f"{base}-{secrets.token_hex(4)}"
    user = User(
        username=username,
        email=email,
        email_verified=bool(email),
        password_hash=None,
        first_name=_text(identity.get("given_name"), NAME_MAX),
        last_name=_text(identity.get("family_name"), NAME_MAX),
    )
    dbsession.add(user)
    _flush_new(dbsession)
    return user


def _flush_new(dbsession):
    try:
        dbsession.flush()
    except IntegrityError:
        # A concurrent login created the same username or identity first; a retry finds it.
        raise ServiceUnavailable() from None


def _username_base(identity):
    email = identity.get("email") if isinstance(identity.get("email"), str) else ""
    candidates = (
        email.partition("@")[0],
        f"{_text(identity.get('given_name'), NAME_MAX)}{_text(identity.get('family_name'), NAME_MAX)}",
        _text(identity.get("name"), NAME_MAX),
    )
    for candidate in candidates:
        base = re.sub(r"[^a-z0-9_.-]", "", candidate.lower())[:USERNAME_BASE_MAX]
        if base:
            return base
    return "user"


def _text(value, max_length):
    return value.strip()[:max_length] if isinstance(value, str) else ""


def _store_token(account, settings, token, identity):
    account.token_encrypted = provider_tokens.encrypt(settings, token)
    account.token_usable = True
    account.email = _text(identity.get("email"), EMAIL_MAX)
    account.updated_at = utcnow()


def _token(dbsession, settings, user_id, provider):
    ciphertext = dbsession.scalar(
        select(SocialAccount.token_encrypted).where(
            SocialAccount.user_id == user_id,
            SocialAccount.provider == provider,
            SocialAccount.token_usable.is_(True),
        )
    )
    if not ciphertext:
        return None
    try:
        return provider_tokens.decrypt(settings, ciphertext)
    except provider_tokens.InvalidToken:
        # The secret key changed since the token was stored: as good as no token.
        return None
