"""Answers over 1 KiB are gzip-compressed for clients that send Accept-Encoding: gzip, and say they vary."""

import gzip
import json

import pytest
import requests
from webob import Request

from tests.servers import serve

JOBAPPS = "/api/jobapps/get_jobapps"
COUNT = "/api/metrics/get_total_application_count"
ORIGIN = "https://app.jobhax.test"  # tests/conftest.py's jobhax.cors_origins


@pytest.fixture
def user_with_jobapps(api, factories):
    for number in range(20):
        factories.jobapp(api.user, job_title=f"Android Developer {number}", company=f"Company {number}")
    return api


def get(api, path, **headers):
    """The app's answer as sent (WebTest would decode it)."""
    response = Request.blank(path, headers={**api.headers, **headers}).get_response(api.testapp.app)
    assert response.status_code == 200
    return response


def vary(response):
    return {value.strip() for value in response.headers.get("Vary", "").split(",") if value.strip()}


def test_a_large_answer_is_compressed_for_a_client_that_accepts_gzip(user_with_jobapps):
    plain = get(user_with_jobapps, JOBAPPS)
    compressed = get(user_with_jobapps, JOBAPPS, **{"Accept-Encoding": "gzip, deflate, br"})
    assert len(plain.body) > 1024
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert int(compressed.headers["Content-Length"]) == len(compressed.body) < len(plain.body) / 3
    assert gzip.decompress(compressed.body) == plain.body
    assert json.loads(gzip.decompress(compressed.body))["success"] is True
    assert "Accept-Encoding" in vary(compressed)


def test_a_client_that_does_not_ask_gets_it_plain_with_vary(user_with_jobapps):
    response = get(user_with_jobapps, JOBAPPS)
    assert "Content-Encoding" not in response.headers
    assert len(json.loads(response.body)["data"]) == 20
    # The same URL is compressed for others: a shared cache must key on the header.
    assert "Accept-Encoding" in vary(response)


@pytest.mark.parametrize("accept_encoding", ["gzip;q=0, identity", "br", "identity", ""])
def test_gzip_refused_or_not_offered_is_not_sent(user_with_jobapps, accept_encoding):
    response = get(user_with_jobapps, JOBAPPS, **{"Accept-Encoding": accept_encoding})
    assert "Content-Encoding" not in response.headers
    assert len(json.loads(response.body)["data"]) == 20


def test_a_small_answer_is_sent_plain(user_with_jobapps):
    response = get(user_with_jobapps, COUNT, **{"Accept-Encoding": "gzip"})
    assert len(response.body) <= 1024
    assert "Content-Encoding" not in response.headers and "Accept-Encoding" not in vary(response)
    assert json.loads(response.body)["data"] == {"count": 20}


def test_compression_keeps_the_cors_headers_and_their_vary(user_with_jobapps):
    response = get(user_with_jobapps, JOBAPPS, **{"Accept-Encoding": "gzip", "Origin": ORIGIN})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert vary(response) >= {"Origin", "Accept-Encoding"}


def test_a_real_http_client_decodes_the_compressed_answer(app, user_with_jobapps):
    plain = json.loads(get(user_with_jobapps, JOBAPPS).body)
    with serve(app) as base_url:
        response = requests.get(base_url + JOBAPPS, headers=user_with_jobapps.headers, timeout=30)
    assert response.headers["Content-Encoding"] == "gzip"  # requests asks for gzip by default
    assert response.json() == plain
