"""The Postman collection (v2.1) made from the API document: ``make postman`` writes
docs/jobhax.postman_collection.json.

Variables: ``baseUrl``, ``clientId``, ``clientSecret`` (from ``make run``), ``accessToken`` and
``refreshToken`` (stored by the login, refresh and social-login requests' test scripts, from successful
answers only), ``jobappId``, ``noteId`` (stored by add_jobapp and add_jobapp_note), ``googleToken`` and
``linkedinToken``. Requests that need a Google or LinkedIn token are skipped while it is empty, so the
whole collection runs green (Postman's "Run collection", ``newman run``) for a user without one.
"""

import argparse
import json
from pathlib import Path

from jobhax import configure
from jobhax.ops.apidoc import build_document

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
OUTPUT = Path("docs/jobhax.postman_collection.json")
BASE_URL = "http://127.0.0.1:6543"
VARIABLES = {
    "baseUrl": BASE_URL,
    "clientId": "",
    "clientSecret": "",
    "accessToken": "",
    "refreshToken": "",
    "googleToken": "",
    "linkedinToken": "",
    "jobappId": "1",
    "noteId": "1",
}
# Only the document is built: no database is reached.
OFFLINE_SETTINGS = {
    "sqlalchemy.url": "postgresql://unused@127.0.0.1:9/unused",
    "jobhax.env": "testing",
    "jobhax.secret_key": "postman-collection-generation-needs-no-secret",
}
FOLDERS = ("users", "jobapps", "metrics", "oauth")
# A session in order: register, log in, create, read, change, delete, log out; new endpoints go before LAST.
FIRST = (
    "register",
    "login",
    "refresh_token",
    "auth_social_user",
    "get_statuses",
    "add_jobapp",
    "get_jobapps",
    "update_jobapp",
    "get_status_history",
    "get_jobapp_detail",
    "add_jobapp_note",
    "get_jobapp_notes",
    "update_jobapp_note",
)
# Deleting and revoking end a run of the whole collection, in the last folder: log out, revoke, log in again
# with the standard endpoint, then log out everywhere (which ends every token, so it comes last).
LAST = ("delete_jobapp_note", "delete_jobapp", "logout", "oauth_revoke", "oauth_token", "logout_all")
LAST_FOLDER = "end of session (run last)"

# Example values, by field name, then (operation, field) where a name means different things.
EXAMPLES = {
    "client_id": "{{clientId}}",
    "client_secret": "{{clientSecret}}",
    "refresh_token": "{{refreshToken}}",
    "first_name": "Joe",
    "last_name": "Smith",
    "username": "joesmith",
    "email": "joesmith@joe.com",
    "password": "123456",
    "password2": "123456",
    "provider": "google-oauth2",
    "token": "{{googleToken}}",
    "job_title": "Android Developer",
    "company": "Mozilla",
    "status_id": "1",
    "application_date": "2019-01-31",
    "source": "LinkedIn",
    "jobapp_id": "{{jobappId}}",
    "rejected": True,
    "description": "test note",
    "jobapp_note_id": "{{noteId}}",
    "grant_type": "password",
    "token_type_hint": "access_token",
    "limit": "20",
    "scope": "read write",
}
OPERATION_EXAMPLES = {
    ("logout", "token"): "{{accessToken}}",
    ("oauth_revoke", "token"): "{{accessToken}}",
    ("update_jobapp", "status_id"): "3",
}
# A failed answer must not overwrite the tokens of an earlier success (every later request would answer 401).
STORE_TOKENS = [
    "var body = pm.response.json();",
    "var token = body.data || body;",
    'pm.test("tokens issued", function () { pm.expect(token.access_token).to.be.a("string"); });',
    'if (pm.response.code === 200 && typeof token.access_token === "string") {',
    '    pm.collectionVariables.set("accessToken", token.access_token);',
    '    pm.collectionVariables.set("refreshToken", token.refresh_token);',
    "}",
]
STORE_ID = [
    "var data = pm.response.json().data;",
    'pm.test("created", function () { pm.expect(data && data.id).to.be.a("number"); });',
    'if (data && typeof data.id === "number") { pm.collectionVariables.set("{variable}", String(data.id)); }',
]
# Requests that need a Google or LinkedIn token, by the variable holding it: skipped while it is empty.
NEEDS_PROVIDER_TOKEN = {
    "auth_social_user": "googleToken",
    "update_gmail_token": "googleToken",
    "sync_user_emails": "googleToken",
    "get_linkedin_profile": "linkedinToken",
}
SKIP_WITHOUT = [
    'if (!pm.variables.get("{variable}")) {',
    '    console.log("skipped: set {variable} to run " + pm.info.requestName);',
    "    pm.execution.skipRequest();",
    "}",
]
ENVELOPE_OK = [
    'pm.test("success envelope", function () { pm.expect(pm.response.json().success).to.be.true; });'
]
TEST_SCRIPTS = {
    "login": STORE_TOKENS,
    "refresh_token": STORE_TOKENS,
    "auth_social_user": STORE_TOKENS,
    # Checked, not stored: the tokens stay the session's (a social login's, with googleToken set).
    "oauth_token": STORE_TOKENS[:3],
    "add_jobapp": [line.replace("{variable}", "jobappId") for line in STORE_ID],
    "add_jobapp_note": [line.replace("{variable}", "noteId") for line in STORE_ID],
}


def example(operation_id, name, schema):
    value = OPERATION_EXAMPLES.get((operation_id, name), EXAMPLES.get(name))
    if value is not None:
        return value
    if "default" in schema:
        return schema["default"]
    return {"integer": 1, "boolean": True}.get(schema.get("type"), "")


def _url(path, query):
    url = {"raw": "{{baseUrl}}" + path, "host": ["{{baseUrl}}"], "path": path.strip("/").split("/")}
    if query:
        url["query"] = query
        enabled = [f"{item['key']}={item['value']}" for item in query if not item["disabled"]]
        url["raw"] += "?" + "&".join(enabled) if enabled else ""
    return url


def request_item(path, method, operation):
    operation_id = operation["operationId"]
    params = operation.get("parameters", [])
    query = [
        {
            "key": p["name"],
            "value": str(example(operation_id, p["name"], p)),
            "disabled": not p["required"],
            **({"description": p["description"]} if "description" in p else {}),
        }
        for p in params
        if p["in"] == "query"
    ]
    request = {
        "method": method.upper(),
        "header": [],
        "url": _url(path, query),
        "description": operation.get("summary", ""),
    }
    body = next((p["schema"] for p in params if p["in"] == "body"), None)
    if body is not None:
        raw = {
            name: example(operation_id, name, schema) for name, schema in body.get("properties", {}).items()
        }
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps(raw, indent=4, ensure_ascii=False),
            "options": {"raw": {"language": "json"}},
        }
    form = [p for p in params if p["in"] == "formData"]
    if form:
        request["body"] = {
            "mode": "urlencoded",
            "urlencoded": [
                {
                    "key": p["name"],
                    "value": str(example(operation_id, p["name"], p)),
                    "disabled": not p["required"]
                    and p["name"] not in ("username", "password", "client_id", "client_secret"),
                    "description": p.get("description", ""),
                }
                for p in form
            ],
        }
    if not operation.get("security"):
        request["auth"] = {"type": "noauth"}
    item = {"name": operation_id, "request": request}
    script = TEST_SCRIPTS.get(operation_id, ENVELOPE_OK if path.startswith("/api/") else [])
    events = []
    if operation_id in NEEDS_PROVIDER_TOKEN:
        skip = [line.replace("{variable}", NEEDS_PROVIDER_TOKEN[operation_id]) for line in SKIP_WITHOUT]
        events.append({"listen": "prerequest", "script": {"type": "text/javascript", "exec": skip}})
    if script:
        events.append({"listen": "test", "script": {"type": "text/javascript", "exec": list(script)}})
    if events:
        item["event"] = events
    return item


def _order(item):
    name = item["name"]
    if name in FIRST:
        return (0, FIRST.index(name), name)
    return (2, LAST.index(name), name) if name in LAST else (1, 0, name)


def _folder(operation):
    return LAST_FOLDER if operation["operationId"] in LAST else operation["tags"][0]


def build_collection(document):
    folders = {name: [] for name in (*FOLDERS, LAST_FOLDER)}
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            folders.setdefault(_folder(operation), []).append(request_item(path, method, operation))
    return {
        "info": {
            "name": document["info"]["title"],
            "description": document["info"]["description"],
            "schema": SCHEMA,
        },
        "auth": {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
        },
        "variable": [{"key": key, "value": value, "type": "string"} for key, value in VARIABLES.items()],
        "item": [
            {"name": name, "item": sorted(items, key=_order)} for name, items in folders.items() if items
        ],
    }


def offline_document():
    """The API document of the app as configured by this checkout, without a database."""
    return build_document(configure(OFFLINE_SETTINGS).make_wsgi_app().registry)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(build_collection(offline_document()), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
