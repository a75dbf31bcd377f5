"""The Postman collection (v2.1) made from the API document: ``make postman`` writes
docs/jobhax.postman_collection.json.

Variables: ``baseUrl``, ``clientId``, ``clientSecret`` (from ``make run``), ``accessToken`` and
``refreshToken`` (stored by the login, refresh and social-login requests' test scripts, from successful
answers only), ``jobappId``, ``noteId``, ``reminderId``, ``webhookId`` (stored by the add_* requests),
``statusId`` (add_status), ``mergeId`` (the duplicate of ``jobappId`` that import_csv creates, found by
get_duplicates), ``calendarKey`` (stored by get_calendar_url and reset_calendar_key), ``googleToken``,
``linkedinToken``, and ``verifyToken`` / ``resetToken`` (the tokens of the mailed links: with `make run`,
the .eml files under var/mail/). Requests that need a Google or LinkedIn token or a mailed token are skipped
while it is empty, so the whole collection runs green (Postman's "Run collection", ``newman run``) for a user
without one.
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
    "verifyToken": "",
    "resetToken": "",
    "reminderId": "1",
    "webhookId": "1",
    "calendarKey": "",
    "statusId": "6",
    "mergeId": "2",
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
    "add_reminder",
    "get_reminders",
    "update_reminder",
    "get_calendar_url",
    # Custom statuses, CSV and duplicates: import_csv adds a twin of add_jobapp's application in the new
    # status, get_duplicates finds it, merge_jobapps folds it into jobappId; delete_status ends the status.
    "add_status",
    "update_status",
    "import_csv",
    "get_duplicates",
    "merge_jobapps",
    "export_csv",
    "delete_status",
    "oauth_token",
)
# Deleting and revoking end a run of the whole collection, in the last folder: log out, revoke, log in again
# and log out everywhere, log in again and delete the account.
LAST = (
    "delete_jobapp_note",
    "delete_reminder",
    "delete_jobapp",
    "delete_webhook",
    "logout",
    "oauth_revoke",
    "logout_all",
    "delete_account",
)
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
    "password": "Jobhax-2019-example",
    "password2": "Jobhax-2019-example",
    "old_password": "Jobhax-2019-example",
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
    "due_at": "2030-01-31T09:00:00Z",
    "text": "Follow up with the recruiter",
    "reminder_id": "{{reminderId}}",
    "done": False,
    "key": "{{calendarKey}}",
    # development.ini allows receivers on this machine; production wants a public https URL.
    "url": "http://127.0.0.1:9/jobhax-webhook",
    "events": ["jobapp.created", "jobapp.status_changed"],
    "webhook_id": "{{webhookId}}",
    "value": "Take-home",
    "position": 6,
    "replace_with": "1",
    "keep_id": "{{jobappId}}",
    "merge_ids": ["{{mergeId}}"],
    "job_url": "https://careers.mozilla.org/position/gh/1234/",
    "location": "Berlin",
}
OPERATION_EXAMPLES = {
    ("verify_email", "token"): "{{verifyToken}}",
    ("reset_password", "token"): "{{resetToken}}",
    ("delete_account", "confirm"): "DELETE",
    ("logout", "token"): "{{accessToken}}",
    ("oauth_revoke", "token"): "{{accessToken}}",
    ("update_jobapp", "status_id"): "3",
    ("update_status", "status_id"): "{{statusId}}",
    ("update_status", "value"): "Take-home test",
    ("delete_status", "status_id"): "{{statusId}}",
}
# Bodies of the endpoints that take a file rather than JSON.
FILE_EXAMPLES = {
    "import_csv": "job_title,company,status,applied_on,notes\r\n"
    "Android Developer,Mozilla,Take-home test,2019-01-31,Imported from a spreadsheet\r\n"
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
STORE_CALENDAR_KEY = [
    "var data = pm.response.json().data;",
    'pm.test("calendar url", function () { pm.expect(data.url).to.include("key="); });',
    'pm.collectionVariables.set("calendarKey", decodeURIComponent(data.url.split("key=")[1]));',
]
CALENDAR = [
    'pm.test("calendar feed", function () {',
    "    pm.response.to.have.status(200);",
    '    pm.expect(pm.response.text()).to.include("BEGIN:VCALENDAR");',
    "});",
]
CSV_OK = [
    'pm.test("csv file", function () {',
    "    pm.response.to.have.status(200);",
    '    pm.expect(pm.response.text()).to.include("id,job_title,company,status");',
    "});",
]
STORE_DUPLICATE = [
    *ENVELOPE_OK,
    'var jobappId = Number(pm.collectionVariables.get("jobappId"));',
    "pm.response.json().data.forEach(function (group) {",
    "    var ids = group.map(function (app) { return app.id; });",
    "    if (ids.indexOf(jobappId) >= 0) {",
    "        var other = ids.filter(function (id) { return id !== jobappId; })[0];",
    '        pm.collectionVariables.set("mergeId", String(other));',
    "    }",
    "});",
]
TEST_SCRIPTS = {
    "login": STORE_TOKENS,
    "refresh_token": STORE_TOKENS,
    "auth_social_user": STORE_TOKENS,
    # Checked, not stored: the tokens stay the session's (a social login's, with googleToken set).
    "oauth_token": STORE_TOKENS[:3],
    "add_jobapp": [line.replace("{variable}", "jobappId") for line in STORE_ID],
    "add_jobapp_note": [line.replace("{variable}", "noteId") for line in STORE_ID],
    "add_reminder": [line.replace("{variable}", "reminderId") for line in STORE_ID],
    "add_webhook": [line.replace("{variable}", "webhookId") for line in STORE_ID],
    "get_calendar_url": STORE_CALENDAR_KEY,
    "reset_calendar_key": STORE_CALENDAR_KEY,
    "calendar_ics": CALENDAR,
    "add_status": [line.replace("{variable}", "statusId") for line in STORE_ID],
    "get_duplicates": STORE_DUPLICATE,
    "export_csv": CSV_OK,
}


# Requests that need the token of a mailed link: skipped while its variable is empty.
NEEDS_MAILED_TOKEN = {"verify_email": "verifyToken", "reset_password": "resetToken"}
# Requests that log in again first (the session's tokens are revoked by then).
LOGS_IN_FIRST = ("logout_all", "delete_account")
LOG_IN_AGAIN = [
    "pm.sendRequest({",
    '    url: pm.variables.get("baseUrl") + "/api/users/login",',
    '    method: "POST",',
    '    header: {"Content-Type": "application/json"},',
    '    body: {mode: "raw", raw: JSON.stringify({',
    '        client_id: pm.variables.get("clientId"), client_secret: pm.variables.get("clientSecret"),',
    f'        username: "{EXAMPLES["username"]}", password: "{EXAMPLES["password"]}"',
    "    })}",
    "}, function (error, response) {",
    '    pm.collectionVariables.set("accessToken", response.json().data.access_token);',
    "});",
]


# Requests that need the session of a password login: skipped while the session is a social login's
# (googleToken set), which has no password to change.
NEEDS_PASSWORD_SESSION = {"change_password": "googleToken"}
SKIP_WITH = [
    'if (pm.variables.get("{variable}")) {',
    '    console.log("skipped: the session is a social login, with no password, while {variable} is set");',
    "    pm.execution.skipRequest();",
    "}",
]


def pre_request_script(operation_id):
    variable = NEEDS_PROVIDER_TOKEN.get(operation_id) or NEEDS_MAILED_TOKEN.get(operation_id)
    if variable:
        return [line.replace("{variable}", variable) for line in SKIP_WITHOUT]
    if operation_id in NEEDS_PASSWORD_SESSION:
        return [line.replace("{variable}", NEEDS_PASSWORD_SESSION[operation_id]) for line in SKIP_WITH]
    if operation_id in LOGS_IN_FIRST:
        return LOG_IN_AGAIN
    return []


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
    if operation_id in FILE_EXAMPLES:
        request["header"].append({"key": "Content-Type", "value": operation["consumes"][0]})
        request["body"] = {"mode": "raw", "raw": FILE_EXAMPLES[operation_id]}
    elif body is not None:
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
    if pre_request_script(operation_id):
        events.append(
            {
                "listen": "prerequest",
                "script": {"type": "text/javascript", "exec": pre_request_script(operation_id)},
            }
        )
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
