"""schemathesis against /__api__, over HTTP: no 5xx, every answer the envelope (standard OAuth2 bodies on
/oauth/*), every answer conforming to the document.

Deterministic (fixed seed, derandomized) and bounded (MAX_EXAMPLES per operation and phase), as a
registered user. Google and LinkedIn are the fake provider knowing no token, so the social endpoints
answer their documented errors.
"""

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from tests.servers import serve

SEED = 20190123
MAX_EXAMPLES = 15
# Rules Swagger 2.0 cannot express (it has no anyOf), so a request the document allows may answer 10.
BEYOND_SWAGGER_2 = {
    "get_jobapps": "a cursor is opaque: only a next_cursor a previous page answered is valid",
    "update_jobapp": "at least one field to change is required",
    "register": "password2 must equal password (code 7, 400), and pass the password policy (10)",
    "verify_email": "a token is valid only as mailed (16, 400)",
    "reset_password": "a token is valid only as mailed (16, 400); the password policy (10)",
    "change_password": "the new password must pass the password policy (10)",
    "update_profile": "first_name or last_name (or both) is required",
    "delete_account": "password (accounts with one) or confirm (social-only accounts) is required",
    "add_status": "a value the caller's statuses already have, whatever its case, is taken (10)",
    "update_status": "value or position is required; a value already taken is 10",
    "delete_status": "replace_with must be another status than status_id",
    "merge_jobapps": "keep_id must not be among merge_ids",
    "import_csv": "the file must be UTF-8 CSV whose header names a title and a company column",
    "update_gmail_token": "a token Google rejects answers 3 (400): the fake Google knows no token here",
    "oauth_token": "username and password come with grant_type=password, refresh_token with refresh_token",
    "update_reminder": "due_at, text or done (any of them) is required",
    "add_webhook": "the URL must be https and resolve to public addresses only (code 10 otherwise)",
}


@pytest.fixture(scope="module")
def served_url(app):
    with serve(app, threads=4) as base_url:
        yield base_url


@pytest.fixture
def api_schema(served_url, factories, provider):
    """The served document, as a registered user with one application."""
    user = factories.user()
    factories.jobapp(user)
    token = factories.access_token(user)
    document = requests.get(f"{served_url}/__api__", timeout=10).json()
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": served_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "operations": [
                {
                    "include-operation-id": operation_id,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", 400, 401, 403, 404, 409, 429]
                        }
                    },
                }
                for operation_id in BEYOND_SWAGGER_2
            ],
        }
    )
    return schemathesis.openapi.from_dict(document, config=config)


def _failures(operation, mode):
    """The checks ``operation`` fails with ``mode`` data, within MAX_EXAMPLES derandomized examples."""

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        case.call_and_validate()

    try:
        check()
    except hypothesis.errors.Unsatisfiable:
        return []  # No parameters, so no negative data: nothing to try.
    except Exception as failure:
        return [f"{operation.label} ({mode.value}): {failure}"]
    return []


def test_every_answer_conforms_to_the_api_document(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for failure in _failures(operation, mode)
    ]
    assert not failures, "\n\n".join(failures)
