"""Webhook endpoints (/api/users/*): validate, apply the rule, wrap in the envelope."""

from jobhax.api import AUTHENTICATED, ApiService
from jobhax.envelope import envelope
from jobhax.validation import body_validator
from jobhax.webhooks import request_schemas, services

AUTH = {"permission": AUTHENTICATED}
BODY = dict(validators=(body_validator,), **AUTH)

add_webhook_service = ApiService(
    "add_webhook", "/api/users/add_webhook", "Subscribe a receiver URL to events; its secret is shown once."
)
get_webhooks_service = ApiService("get_webhooks", "/api/users/get_webhooks", "The caller's webhooks.")
delete_webhook_service = ApiService("delete_webhook", "/api/users/delete_webhook", "Remove a webhook.")


@add_webhook_service.post(schema=request_schemas.AddWebhookBody, **BODY)
def add_webhook(request):
    return envelope(
        services.add_webhook(
            request.dbsession,
            request.registry.settings,
            request.authenticated_userid,
            request.validated["url"],
            request.validated["events"],
        )
    )


@get_webhooks_service.get(**AUTH)
def get_webhooks(request):
    webhooks = services.list_webhooks(request.dbsession, request.authenticated_userid)
    return envelope([services.webhook_json(webhook) for webhook in webhooks])


@delete_webhook_service.post(schema=request_schemas.WebhookIdBody, **BODY)
def delete_webhook(request):
    services.delete_webhook(request.dbsession, request.authenticated_userid, request.validated["webhook_id"])
    return envelope(None)
