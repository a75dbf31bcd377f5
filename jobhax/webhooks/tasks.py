"""The delivery job: one per (hook, event), run in commit order per hook, retried until it gives up.

Jobs carry procrastinate ``lock`` ``webhook:<id>``: a hook's jobs run one at a time, lowest id first, and
a job waiting for its retry holds back the later ones, so a receiver sees events in commit order. Waits
between tries: ``jobhax.webhooks_retry_seconds`` (5 s) doubled per try, at most
``jobhax.webhooks_max_wait_seconds`` (1 h). A delivery still failing ``jobhax.webhooks_give_up_seconds``
(24 h) after its event disables the hook; the jobs behind it then find the hook disabled and send
nothing. A worker killed mid-delivery leaves its job to jobhax.recovery, which runs it again: receivers
may see a delivery twice, with the same ``webhook-id``, as Standard Webhooks expects them to handle.
"""

import datetime
import logging

import procrastinate
from procrastinate.retry import RetryDecision
from sqlalchemy import select, update

from jobhax.accounts import provider_tokens
from jobhax.clock import utcnow
from jobhax.tasks import job_environment
from jobhax.webhooks import delivery
from jobhax.webhooks.events import QUEUE, TASK_NAME
from jobhax.webhooks.models import Webhook

log = logging.getLogger(__name__)


def event_age(timestamp, now):
    """Seconds since the event's ``timestamp`` (``…Z``)."""
    return (now - datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))).total_seconds()


def retry_wait(settings, attempts, age):
    """Seconds before the next try: doubled per try so far, capped, and never past the give-up time."""
    wait = min(
        settings["jobhax.webhooks_retry_seconds"] * 2**attempts, settings["jobhax.webhooks_max_wait_seconds"]
    )
    return max(0.0, min(wait, settings["jobhax.webhooks_give_up_seconds"] - age))


class DeliveryRetry(procrastinate.RetryStrategy):
    """Every failure is retried: the task itself gives up (and disables the hook) after the give-up time."""

    def __init__(self, settings):
        super().__init__()
        self.settings = settings

    def get_retry_decision(self, *, exception, job):
        age = event_age(job.task_kwargs["timestamp"], utcnow())
        return RetryDecision(retry_in={"seconds": retry_wait(self.settings, job.attempts, age)})


def deliver(context, user_id: int, webhook_id: int, message_id: str, event: str, timestamp: str, data: dict):
    env = job_environment(context)
    settings = env.settings
    with env.transaction() as dbsession:
        hook = dbsession.execute(
            select(Webhook.url, Webhook.secret_encrypted, Webhook.disabled_at).where(
                Webhook.id == webhook_id, Webhook.user_id == user_id
            )
        ).first()
    if hook is None or hook.disabled_at is not None:
        return  # deleted or disabled since the event: nothing is sent
    try:
        delivery.post(
            hook.url,
            provider_tokens.decrypt(settings, hook.secret_encrypted),
            message_id,
            delivery.body(event, timestamp, data),
            allow_private=settings["jobhax.webhooks_allow_private"],
            timeout=settings["jobhax.webhooks_timeout"],
        )
    except delivery.DeliveryFailed as failure:
        age = event_age(timestamp, utcnow())
        if age < settings["jobhax.webhooks_give_up_seconds"]:
            log.info("webhook %s: %s %s not delivered (%s); retried", webhook_id, event, message_id, failure)
            raise
        log.warning("webhook %s disabled: %s %s still failing (%s)", webhook_id, event, message_id, failure)
        with env.transaction() as dbsession:
            dbsession.execute(
                update(Webhook)
                .where(Webhook.id == webhook_id, Webhook.user_id == user_id, Webhook.disabled_at.is_(None))
                .values(disabled_at=utcnow())
            )


def declare(config):
    """The delivery task, its retry waits from the ``jobhax.webhooks_*`` settings."""
    config.add_task(deliver, name=TASK_NAME, queue=QUEUE, retry=DeliveryRetry(config.get_settings()))
