"""JobHax backend: the WSGI application factory."""

import logging

from pyramid.config import Configurator

from jobhax.config import load_settings

# oauthlib writes tokens at DEBUG: a root logger set to DEBUG must not turn that on in the web process,
# the worker or the CLI (nothing logs a token). urllib3 logs each URL at DEBUG, and Google's tokeninfo
# takes the token in its query string.
for _name in ("oauthlib", "urllib3"):
    logging.getLogger(_name).setLevel(logging.INFO)

DOMAINS = (
    "jobhax.accounts",
    "jobhax.jobapps",
    "jobhax.mailimport",
    "jobhax.metrics",
    "jobhax.reminders",
    "jobhax.webhooks",
    "jobhax.ops",
)


def configure(settings):
    """The configured application, before it is made into a WSGI app (tests add routes here)."""
    settings = load_settings(settings)
    # Our envelope handles every exception; Cornice's own handlers would leak its error body.
    settings["handle_exceptions"] = False
    config = Configurator(settings=settings)
    config.include("cornice")
    config.include("jobhax.db")
    config.include("jobhax.errors")
    config.include("jobhax.tasks")
    for domain in DOMAINS:
        config.include(domain)
    return config


def main(global_config=None, **settings):
    return configure(settings).make_wsgi_app()
