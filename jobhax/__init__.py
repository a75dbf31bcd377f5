"""JobHax backend: the WSGI application factory."""
from pyramid.config import Configurator

from jobhax.config import load_settings

DOMAINS = ("jobhax.accounts", "jobhax.jobapps", "jobhax.ops")


def main(global_config=None, **settings):
    settings = load_settings(settings)
    # Our envelope handles every exception; Cornice's own handlers would leak its error body.
    settings["handle_exceptions"] = False
    with Configurator(settings=settings) as config:
        config.include("cornice")
        config.include("jobhax.db")
        config.include("jobhax.envelope")
        for domain in DOMAINS:
            config.include(domain)
    return config.make_wsgi_app()
