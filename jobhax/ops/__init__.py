"""Operations endpoints: heartbeats, version, API document. Plain JSON, no authentication."""


def includeme(config):
    config.add_route("heartbeat", "/__heartbeat__")
    config.add_route("lbheartbeat", "/__lbheartbeat__")
    config.add_route("version", "/__version__")
    config.add_route("api_document", "/__api__")
    config.scan(__name__)
