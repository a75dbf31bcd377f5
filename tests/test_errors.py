"""Exception views chosen by the route's declared error body, never by its path."""

import pytest
import webtest
from pyramid.exceptions import ConfigurationExecutionError

from jobhax import configure
from jobhax.api import PUBLIC
from jobhax.errors import PLAIN
from tests.api_client import assert_error


def explode(request):
    raise RuntimeError("secret detail that must not leak")


@pytest.fixture
def routed_app(settings):
    """One exploding view under four routes: two declare plain error bodies, two say nothing."""
    config = configure(settings)
    config.add_route("plain_under_api", "/api/test/plain", error_body=PLAIN)
    config.add_route("plain_elsewhere", "/elsewhere/plain", error_body=PLAIN)
    config.add_route("envelope_under_oauth", "/oauth/test/envelope")
    config.add_route("envelope_elsewhere", "/__test_envelope__")
    for name in ("plain_under_api", "plain_elsewhere", "envelope_under_oauth", "envelope_elsewhere"):
        config.add_view(explode, route_name=name, permission=PUBLIC)
    return webtest.TestApp(config.make_wsgi_app())


@pytest.mark.parametrize("path", ["/api/test/plain", "/elsewhere/plain"])
def test_a_route_declaring_plain_errors_answers_an_error_object_wherever_it_lives(routed_app, path, caplog):
    response = routed_app.get(path, expect_errors=True)
    assert response.status_int == 500
    assert response.json == {"error": "server_error"}
    assert "secret detail" not in response.text
    assert f"GET {path}" in caplog.text


@pytest.mark.parametrize("path", ["/oauth/test/envelope", "/__test_envelope__"])
def test_a_route_declaring_nothing_answers_the_envelope_wherever_it_lives(routed_app, path):
    response = routed_app.get(path, expect_errors=True)
    assert_error(response, 13, 500)
    assert "secret detail" not in response.text


def test_a_plain_route_still_answers_405_and_404_in_the_envelope(testapp):
    assert_error(testapp.get("/oauth/token", expect_errors=True), 11, 404)
    assert_error(testapp.get("/oauth/nowhere", expect_errors=True), 11, 404)


def test_an_unknown_error_body_stops_the_application_at_start(settings):
    config = configure(settings)
    config.add_route("odd", "/odd", error_body="xml")
    with pytest.raises(ConfigurationExecutionError, match="error_body must be one of"):
        config.commit()
