import colander

from jobhax.validation import Id, JsonBody, Text
from jobhax.webhooks.events import EVENTS
from jobhax.webhooks.models import URL_MAX


def _events_validator(node, value):
    if not value:
        raise colander.Invalid(node, "at least one event is required")
    if len(set(value)) != len(value):
        raise colander.Invalid(node, "each event once")


class Events(colander.SequenceSchema):
    event = colander.SchemaNode(Text(), validator=colander.OneOf(EVENTS))


class AddWebhookBody(JsonBody):
    url = colander.SchemaNode(
        Text(),
        validator=colander.Length(min=1, max=URL_MAX),
        description="https URL of the receiver; it must not resolve to a loopback, private or link-local "
        "address.",
    )
    events = Events(validator=_events_validator, description=f"Any of {', '.join(EVENTS)}.")


class WebhookIdBody(JsonBody):
    webhook_id = colander.SchemaNode(Id())
