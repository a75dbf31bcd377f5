"""GET /__api__: a valid Swagger 2.0 document of every /api/* and /oauth/* endpoint, generated from the code."""

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import webtest
from openapi_spec_validator.validation import OpenAPIV2SpecValidator

from jobhax import main
from jobhax.envelope import ErrorCode
from jobhax.ops import postman
from jobhax.response_schemas import RESPONSES


@pytest.fixture
def document(testapp):
    response = testapp.get("/__api__")
    assert response.status_int == 200 and response.content_type == "application/json"
    return response.json


def _operations(document):
    return {
        (path, method): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_the_document_is_valid_swagger_2(document):
    assert list(OpenAPIV2SpecValidator(document).iter_errors()) == []
    assert document["swagger"] == "2.0"


def test_every_cornice_service_and_the_oauth_endpoints_are_documented(app, document):
    services = {service.path for service in app.registry.cornice_services.values()}
    assert set(document["paths"]) == services | {"/oauth/token", "/oauth/revoke"}
    assert all(path.startswith("/api/") for path in services)


def test_every_service_declares_its_responses(app):
    """A new endpoint fails here until it has an entry in jobhax/response_schemas.py."""
    missing = {service.name for service in app.registry.cornice_services.values()} - set(RESPONSES)
    assert not missing


def test_every_api_operation_documents_the_envelope_and_each_error_status(document):
    for (path, _method), operation in _operations(document).items():
        if not path.startswith("/api/"):
            continue
        responses = operation["responses"]
        if operation.get("produces", ["application/json"])[0] != "application/json":
            # A document (text/calendar, text/csv) on success, envelopes on failure.
            assert responses["200"]["schema"]["type"] == "string", path
            assert operation["produces"][1:] == ["application/json"], path
        else:
            success = responses["200"]["schema"]["properties"]
            assert success["success"] == {"type": "boolean", "enum": [True]}, path
            assert "data" in success
        for status in ("400", "405", "413", "500", "503"):
            assert responses[status]["schema"]["properties"]["error_code"]["enum"], (path, status)
        for status, response in responses.items():
            if status != "200":
                codes = response["schema"]["properties"]["error_code"]["enum"]
                assert all(str(ErrorCode(code).status) == status or code == 10 for code in codes), (
                    path,
                    status,
                )
        if operation["security"]:
            assert 1 in responses["401"]["schema"]["properties"]["error_code"]["enum"], path


def test_authenticated_operations_name_the_bearer_and_oauth2_schemes(document):
    operations = _operations(document)
    assert operations[("/api/jobapps/get_jobapps", "get")]["security"] == [{"bearer": []}, {"oauth2": []}]
    assert operations[("/api/users/login", "post")]["security"] == []
    schemes = document["securityDefinitions"]
    assert schemes["bearer"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Bearer <access_token>`",
    }
    assert schemes["oauth2"]["flow"] == "password"
    assert schemes["oauth2"]["tokenUrl"] == "http://localhost/oauth/token"


def test_error_responses_list_exactly_the_codes_of_their_status(document):
    responses = _operations(document)[("/api/users/login", "post")]["responses"]
    assert responses["401"]["schema"]["properties"]["error_code"]["enum"] == [1, 6]
    assert responses["429"]["schema"]["properties"]["error_code"]["enum"] == [12]
    assert responses["401"]["headers"] == {"WWW-Authenticate": {"type": "string"}}
    notes = _operations(document)[("/api/jobapps/get_jobapp_notes", "get")]["responses"]
    assert notes["404"]["schema"]["properties"]["error_code"]["enum"] == [11]
    assert notes["200"]["schema"]["properties"]["data"] == {
        "type": "array",
        "items": {"$ref": "#/definitions/Note"},
    }


def test_request_bodies_and_query_parameters_come_from_the_colander_schemas(document):
    operations = _operations(document)
    (body,) = operations[("/api/jobapps/add_jobapp", "post")]["parameters"]
    assert body["in"] == "body" and body["schema"]["required"] == ["job_title", "company"]
    properties = body["schema"]["properties"]
    assert properties["job_title"]["maxLength"] == 500 and properties["job_title"]["minLength"] == 1
    assert properties["status_id"]["type"] == "integer" and properties["status_id"]["default"] == 1
    assert properties["application_date"]["format"] == "date"
    rejected = operations[("/api/jobapps/update_jobapp", "post")]["parameters"][0]["schema"]["properties"]
    assert rejected["rejected"]["type"] == "boolean"
    query = {
        param["name"]: param for param in operations[("/api/jobapps/get_status_history", "get")]["parameters"]
    }
    assert query["jobapp_id"]["in"] == "query" and query["jobapp_id"]["required"] is True


def test_get_jobapps_documents_its_pagination(document):
    operation = _operations(document)[("/api/jobapps/get_jobapps", "get")]
    params = {param["name"]: param for param in operation["parameters"]}
    assert set(params) >= {"status_id", "limit", "cursor"}
    assert not any(param["required"] for param in params.values())
    data = operation["responses"]["200"]["schema"]["properties"]["data"]
    assert data["items"] == {"$ref": "#/definitions/JobApplication"}
    assert data["required"] == ["items", "next_cursor"]


def test_the_oauth_endpoints_are_form_encoded_with_standard_errors(document):
    token = _operations(document)[("/oauth/token", "post")]
    assert token["consumes"] == ["application/x-www-form-urlencoded"]
    assert {param["name"] for param in token["parameters"]} >= {
        "grant_type",
        "username",
        "password",
        "refresh_token",
        "client_id",
        "client_secret",
    }
    assert token["responses"]["200"]["schema"] == {"$ref": "#/definitions/Token"}
    assert token["responses"]["400"]["schema"]["required"] == ["error"]


def test_the_document_is_served_without_authentication_and_names_the_host(testapp):
    response = testapp.get("/__api__", headers={"Host": "api.jobhax.test:8080"})
    assert response.json["host"] == "api.jobhax.test:8080"
    assert (
        response.json["securityDefinitions"]["oauth2"]["tokenUrl"]
        == "http://api.jobhax.test:8080/oauth/token"
    )
    assert "success" not in response.json


# The Postman collection (make postman → docs/jobhax.postman_collection.json).

COLLECTION = Path(__file__).resolve().parents[2] / "docs" / "jobhax.postman_collection.json"
# These need a Google or LinkedIn token, which the run below does not have (its scripts skip them).
NEED_A_PROVIDER_ACCOUNT = set(postman.NEEDS_PROVIDER_TOKEN)


@pytest.fixture(scope="module")
def collection():
    return json.loads(COLLECTION.read_text(encoding="utf-8"))


def _requests(collection):
    return [item for folder in collection["item"] for item in folder["item"]]


def test_the_collection_is_v2_1_with_every_documented_operation(collection):
    assert collection["info"]["schema"] == postman.SCHEMA
    operation_ids = {
        operation["operationId"] for operation in _operations(postman.offline_document()).values()
    }
    assert {item["name"] for item in _requests(collection)} == operation_ids, "run `make postman`"
    assert {variable["key"] for variable in collection["variable"]} >= {
        "baseUrl",
        "clientId",
        "clientSecret",
        "accessToken",
    }
    login = next(item for item in _requests(collection) if item["name"] == "login")
    script = login["event"][0]["script"]["exec"]
    assert 'if (pm.response.code === 200 && typeof token.access_token === "string") {' in script
    assert '    pm.collectionVariables.set("accessToken", token.access_token);' in script


def _substitute(text, variables):
    return re.sub(r"\{\{(\w+)\}\}", lambda match: variables[match.group(1)], text)


def _send(testapp, item, variables):
    request = item["request"]
    url = _substitute(request["url"]["raw"], variables).replace(postman.BASE_URL, "")
    headers = {header["key"]: header["value"] for header in request["header"]}
    if request.get("auth", {}).get("type") != "noauth":
        headers["Authorization"] = f"Bearer {variables['accessToken']}"
    body = request.get("body")
    if body is None:
        return testapp.request(url, method=request["method"], headers=headers, expect_errors=True)
    if body["mode"] == "raw":
        payload = _substitute(body["raw"], variables).encode()
    else:
        payload = urlencode(
            {
                field["key"]: _substitute(field["value"], variables)
                for field in body["urlencoded"]
                if not field["disabled"]
            }
        ).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return testapp.request(url, method=request["method"], headers=headers, body=payload, expect_errors=True)


@pytest.fixture
def development_testapp(settings, clean_database):
    """The app with development.ini's webhook rule (receivers on this machine), which `make run` serves."""
    app = main({}, **dict(settings, **{"jobhax.webhooks_allow_private": "true"}))
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def test_the_collection_runs_in_order_against_the_app(development_testapp, oauth_client, collection):
    """As Postman's runner would: each request in turn, its test script's variables stored."""
    testapp = development_testapp
    variables = {variable["key"]: variable["value"] for variable in collection["variable"]}
    variables.update(clientId=oauth_client["client_id"], clientSecret=oauth_client["client_secret"])
    requests_by_name = {item["name"]: item for item in _requests(collection)}
    for item in _requests(collection):
        if not variables.get(postman.NEEDS_MAILED_TOKEN.get(item["name"]), "skip"):
            continue  # its pre-request script skips it: no mailed token in the variables
        if item["name"] in postman.LOGS_IN_FIRST:
            token = _send(testapp, requests_by_name["login"], variables).json["data"]
            variables["accessToken"] = token["access_token"]
        response = _send(testapp, item, variables)
        if item["name"] in NEED_A_PROVIDER_ACCOUNT:
            assert response.status_int < 500, (item["name"], response.text)
            continue
        assert response.status_int == 200, (item["name"], response.text)
        if item["name"] == "export_csv":
            assert response.text.startswith("id,job_title,company,status")
            continue
        body = response.json if response.content_type == "application/json" else {}
        token = body.get("data") or body
        if "access_token" in token:
            variables.update(accessToken=token["access_token"], refreshToken=token["refresh_token"])
        if item["name"] == "add_jobapp":
            variables["jobappId"] = str(body["data"]["id"])
        if item["name"] == "add_jobapp_note":
            variables["noteId"] = str(body["data"]["id"])
        if item["name"] == "add_reminder":
            variables["reminderId"] = str(body["data"]["id"])
        if item["name"] == "add_webhook":
            variables["webhookId"] = str(body["data"]["id"])
        if item["name"] in ("get_calendar_url", "reset_calendar_key"):
            variables["calendarKey"] = parse_qs(urlsplit(body["data"]["url"]).query)["key"][0]
        if item["name"] == "calendar_ics":
            assert response.content_type == "text/calendar" and b"BEGIN:VCALENDAR" in response.body
        if item["name"] == "add_status":
            variables["statusId"] = str(body["data"]["id"])
        if item["name"] == "import_csv":
            assert body["data"] == {"created": 1, "skipped": []}
        if item["name"] == "get_duplicates":
            [group] = body["data"]
            ids = [jobapp["id"] for jobapp in group]
            assert int(variables["jobappId"]) in ids
            variables["mergeId"] = str(next(i for i in ids if i != int(variables["jobappId"])))
        if item["name"] == "merge_jobapps":
            assert body["data"]["id"] == int(variables["jobappId"])


def test_a_code_10_message_may_name_the_broken_rule_and_other_messages_are_exact(document):
    responses = _operations(document)[("/api/users/register", "post")]["responses"]
    pattern = re.compile(responses["400"]["schema"]["properties"]["error_message"]["pattern"])
    assert pattern.match("Invalid parameters...") and pattern.match(
        "Invalid parameters... password is too common"
    )
    assert pattern.match("Passwords do not match") and not pattern.match("Passwords do not match at all")
    assert not pattern.match("Something else")
    conflicts = responses["409"]["schema"]["properties"]["error_message"]
    assert conflicts == {"type": "string", "enum": ["That email is being used", "That username is taken"]}


def test_the_csv_endpoints_document_their_files(document):
    operations = _operations(document)
    export = operations[("/api/jobapps/export_csv", "get")]
    assert export["produces"] == ["text/csv", "application/json"]
    assert export["responses"]["200"]["schema"]["format"] == "binary"
    assert {p["name"] for p in export["parameters"]} == {"status_id", "from", "to"}
    imported = operations[("/api/jobapps/import_csv", "post")]
    assert imported["consumes"] == ["text/csv"]
    assert next(p for p in imported["parameters"] if p["in"] == "body")["schema"] == {"type": "string"}
    skipped = imported["responses"]["200"]["schema"]["properties"]["data"]["properties"]["skipped"]
    assert skipped["items"]["required"] == ["line", "reason"]


def test_a_code_10_message_may_name_the_rule_after_the_tables(document):
    pattern = _operations(document)[("/api/jobapps/add_status", "post")]["responses"]["400"]["schema"]
    pattern = pattern["properties"]["error_message"]["pattern"]
    assert re.match(pattern, 'Invalid parameters... status value "Ghosted" is taken')
    assert re.match(pattern, "Invalid parameters...")
    assert not re.match(pattern, "Something else")
