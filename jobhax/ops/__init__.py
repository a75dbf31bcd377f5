"""Operations endpoints: heartbeats, version, API document and its Swagger UI. No authentication."""


def includeme(config):
    config.add_route("heartbeat", "/__heartbeat__")
    config.add_route("lbheartbeat", "/__lbheartbeat__")
    config.add_route("version", "/__version__")
    config.add_route("api_document", "/__api__")
    config.include("jobhax.ops.api_ui")
    config.scan(__name__)
