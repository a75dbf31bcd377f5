"""Webhook endpoints (/api/users/*): validate, apply the rule, wrap in the envelope."""

from jobhax.api import api_service
from jobhax.envelope import envelope
from jobhax.schema import body_validator
from jobhax.webhooks import schemas, services

AUTH = {"permission": "authenticated"}
BODY = dict(validators=(body_validator,), **AUTH)

add_webhook = api_service(
    "add_webhook", "/api/users/add_webhook", "Subscribe a receiver URL to events; its secret is shown once."
)
get_webhooks = api_service("get_webhooks", "/api/users/get_webhooks", "The caller's webhooks.")
delete_webhook = api_service("delete_webhook", "/api/users/delete_webhook", "Remove a webhook.")


@add_webhook.post(schema=schemas.AddWebhookBody, **BODY)
def create_webhook(request):
    return envelope(
        services.add_webhook(
            request.dbsession,
            request.registry.settings,
            request.authenticated_userid,
            request.validated["url"],
            request.validated["events"],
        )
    )


@get_webhooks.get(**AUTH)
def list_webhooks(request):
    webhooks = services.list_webhooks(request.dbsession, request.authenticated_userid)
    return envelope([services.webhook_json(webhook) for webhook in webhooks])


@delete_webhook.post(schema=schemas.WebhookIdBody, **BODY)
def remove_webhook(request):
    services.delete_webhook(request.dbsession, request.authenticated_userid, request.validated["webhook_id"])
    return envelope(None)
