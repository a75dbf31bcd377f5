"""Operations endpoints: heartbeats, version, API document and its Swagger UI. No authentication."""

from jobhax.errors import PLAIN


def includeme(config):
    config.add_route("heartbeat", "/__heartbeat__", error_body=PLAIN)
    config.add_route("lbheartbeat", "/__lbheartbeat__", error_body=PLAIN)
    config.add_route("version", "/__version__", error_body=PLAIN)
    config.add_route("api_document", "/__api__", error_body=PLAIN)
    config.include("jobhax.ops.api_ui")
    config.scan(__name__)
