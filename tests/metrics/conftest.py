"""The app with the metrics domain included, whether or not jobhax.DOMAINS lists it yet.

Pyramid runs an ``includeme`` once however often it is included, so this stays correct after the
domain is wired into ``jobhax.configure``.
"""
import pytest

from jobhax import configure


@pytest.fixture(scope="session")
def app(settings):
    config = configure(settings)
    config.include("jobhax.metrics")
    return config.make_wsgi_app()


@pytest.fixture(scope="session")
def engine(app):
    return app.registry["engine"]
