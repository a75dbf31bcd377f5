"""The caller's profile (DESIGN "Email verification"): who they are and which providers they log in with."""

from sqlalchemy import func, select, update

from jobhax.accounts.models import SocialAccount, User
from jobhax.jobapps.serializers import utc_z


def get_profile(dbsession, user_id):
    """One statement: the user and their providers, in name order."""
    providers = (
        select(func.array_agg(SocialAccount.provider.distinct()))
        .where(SocialAccount.user_id == User.id)
        .scalar_subquery()
    )
    row = dbsession.execute(select(User, providers).where(User.id == user_id)).one()
    user, provider_names = row
    return profile_json(user, sorted(provider_names or []))


def update_profile(dbsession, user_id, **names):
    """Change ``first_name`` and/or ``last_name``; the profile as it now is."""
    if names:
        dbsession.execute(update(User).where(User.id == user_id).values(**names))
    return get_profile(dbsession, user_id)


def profile_json(user, providers):
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "providers": providers,
        "created_at": utc_z(user.created_at),
    }
