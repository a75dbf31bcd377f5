"""Webhook rules: add (URL checked against SSRF, quota), list, delete; every lookup scoped to the caller."""

import base64
import secrets

from sqlalchemy import delete, select

from jobhax import quotas
from jobhax.accounts import provider_tokens
from jobhax.envelope import ApiError, ErrorCode
from jobhax.webhooks.addresses import RefusedUrl, checked_target
from jobhax.webhooks.models import Webhook

SECRET_BYTES = 24


def new_secret():
    """A Standard Webhooks secret: ``whsec_`` and base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def webhook_json(webhook):
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": list(webhook.events),
        "disabled": webhook.disabled_at is not None,
    }


def add_webhook(dbsession, settings, user_id, url, events):
    """The new hook and its secret (shown this once). 10 for a refused URL, before any connection."""
    try:
        checked_target(url, settings["jobhax.webhooks_allow_private"])
    except RefusedUrl:
        raise ApiError(ErrorCode.INVALID_PARAMETERS) from None
    quotas.ensure_room(
        dbsession,
        "webhooks",
        user_id,
        select(Webhook.id).where(Webhook.user_id == user_id),
        quotas.WEBHOOKS,
    )
    secret = new_secret()
    webhook = Webhook(
        user_id=user_id,
        url=url,
        events=list(events),
        secret_encrypted=provider_tokens.encrypt(settings, secret),
    )
    dbsession.add(webhook)
    dbsession.flush()
    return {"id": webhook.id, "url": webhook.url, "events": list(webhook.events), "secret": secret}


def list_webhooks(dbsession, user_id):
    return dbsession.scalars(select(Webhook).where(Webhook.user_id == user_id).order_by(Webhook.id)).all()


def delete_webhook(dbsession, user_id, webhook_id):
    """Deliveries still queued for it are dropped when they come up."""
    deleted = dbsession.execute(
        delete(Webhook).where(Webhook.id == webhook_id, Webhook.user_id == user_id).returning(Webhook.id)
    ).first()
    if deleted is None:
        raise ApiError(ErrorCode.NOT_FOUND)
