"""The one way to declare a JSON API service: Cornice, our validators, our error envelope."""

from cornice import Service

from jobhax.envelope import cornice_error_handler


def api_service(name, path, description, **kwargs):
    # depth=2: venusian must attach the service to the caller's module, which the domain scans.
    return Service(
        name=name, path=path, description=description, error_handler=cornice_error_handler, depth=2, **kwargs
    )
