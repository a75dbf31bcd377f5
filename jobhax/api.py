"""The one way to declare a JSON API service: Cornice, our validators, our error envelope, a permission.

Safe by default (Warehouse's API views refuse to exist without a permission): every method of a service
says who may call it, ``permission=AUTHENTICATED`` (a valid bearer) or ``permission=PUBLIC``; one without
stops the application at start. Plain Pyramid views are protected too: the default permission is
:data:`AUTHENTICATED` (set in :mod:`jobhax.accounts`), so a public one says ``permission=PUBLIC``.
"""

from cornice import Service
from pyramid.exceptions import ConfigurationError
from pyramid.security import NO_PERMISSION_REQUIRED

from jobhax.envelope import ErrorCode, error_response

AUTHENTICATED = "authenticated"
PUBLIC = NO_PERMISSION_REQUIRED


class ApiService(Service):
    def __init__(self, name, path, description, **kwargs):
        # depth=2: venusian must attach the service to the caller's module, which the domain scans.
        super().__init__(name=name, path=path, description=description, depth=2, **kwargs)

    def default_error_handler(self, request):
        """Validation failures answer code 10, never Cornice's own error body."""
        return error_response(request, ErrorCode.INVALID_PARAMETERS)

    def add_view(self, method, view, **kwargs):
        if kwargs.get("permission") not in (AUTHENTICATED, PUBLIC):
            raise ConfigurationError(
                f"{method} {self.path}: say who may call it, permission=AUTHENTICATED or permission=PUBLIC"
            )
        super().add_view(method, view, **kwargs)
