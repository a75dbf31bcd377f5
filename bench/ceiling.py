"""The ceiling `make bench` compares every endpoint with: a bare Pyramid app doing only our bearer lookup.

One route, no tweens, no Cornice, no pyramid_tm, no ORM session: the view checks out a pooled connection
(the service's engine settings), runs the service's own bearer-token statement and answers the empty
envelope. Served by granian through ``jobhax.server.serve``, with the service's processes and threads, so
the difference between an endpoint's server CPU per request and this one is what our request pipeline,
validation, queries and serialization cost.

    python bench/ceiling.py DATABASE_URL PORT WORKERS
"""

import functools
import sys

from pyramid.config import Configurator
from pyramid.response import Response

from jobhax.accounts.security import bearer_token
from jobhax.accounts.services import user_id_for_access_token
from jobhax.clock import utcnow
from jobhax.db import get_engine
from jobhax.envelope import ErrorCode, error_response
from jobhax.server import serve

PATH = "/ceiling"
EMPTY = {"success": True, "error_code": 0, "error_message": "", "data": None}


def make_app(url):
    engine = get_engine({"sqlalchemy.url": url}, pool_pre_ping=False)

    def ceiling(request):
        token = bearer_token(request)
        with engine.connect() as connection:
            user_id = None if token is None else user_id_for_access_token(connection, token, utcnow())
        if user_id is None:
            return error_response(request, ErrorCode.INVALID_CREDENTIALS)
        return Response(json_body=EMPTY)

    def heartbeat(request):
        return Response(json_body={})

    config = Configurator()
    config.add_route("ceiling", PATH)
    config.add_view(ceiling, route_name="ceiling")
    config.add_route("heartbeat", "/__lbheartbeat__")
    config.add_view(heartbeat, route_name="heartbeat")
    return config.make_wsgi_app()


def main(argv=None):
    url, port, workers = argv or sys.argv[1:]
    serve(functools.partial(make_app, url), host="127.0.0.1", port=int(port), workers=int(workers))


if __name__ == "__main__":
    main()
