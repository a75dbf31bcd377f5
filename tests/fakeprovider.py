"""A fake Google/Gmail/LinkedIn server: real HTTP on 127.0.0.1, with knobs for faults.

The app talks to it exactly as to the real providers (the three base-URL settings point
here). Tests arrange accounts, mailboxes and job pages, then inject faults:

- ``fail(path_prefix, status, times=1, retry_after=None)``: the next ``times`` matching calls
  answer ``status`` (401, 403, 429, 500, ...);
- ``drop(path_prefix, times=1)``: the next matching calls get the connection closed unanswered;
- ``latency``: seconds added to every call; ``page_size``: Gmail list page size;
- ``reject_token(token)``: the token is refused (401) from now on.

Every token is issued to an app: ours (``GOOGLE_CLIENT_IDS``, ``LINKEDIN_CLIENT_ID``, which the tests'
settings configure) unless ``client_id=ANOTHER_APP`` (or any other id) says the token belongs to another
app. Google's tokeninfo and LinkedIn's introspection answer with that app, as the real ones do.

``requests`` records every call (method, path, query, bearer token, form, client port: one port per
connection); ``max_in_flight`` the most calls served at once. Everything is guarded by one lock, so
tests and app threads may share it.
"""

import base64
import contextlib
import datetime
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

GMAIL_MESSAGES = "/gmail/v1/users/me/messages"
GOOGLE_TOKENINFO = "/oauth2/v3/tokeninfo"
LINKEDIN_INTROSPECT = "/oauth/v2/introspectToken"
# Our apps at the providers: a web and a mobile Google client, one LinkedIn app.
GOOGLE_CLIENT_IDS = ("jobhax-web.apps.googleusercontent.com", "jobhax-ios.apps.googleusercontent.com")
LINKEDIN_CLIENT_ID = "jobhax-linkedin-app"
LINKEDIN_CLIENT_SECRET = "jobhax-linkedin-app-secret"
ANOTHER_APP = "another-app.apps.googleusercontent.com"
GMAIL_MAX_RESULTS = 500


class FakeProvider:
    def __init__(self):
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-provider", daemon=True)
        self.reset()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        with self.lock:
            self.google_users = {}  # token -> userinfo
            self.linkedin_users = {}  # token -> {"userinfo": ..., "profile": ...}
            self.token_apps = {}  # token -> the app it was issued to
            self.linkedin_apps = {LINKEDIN_CLIENT_ID: LINKEDIN_CLIENT_SECRET}
            self.mailboxes = {}  # Google subject -> {msg_id: message}
            self.job_pages = {}
            self.rejected = set()
            self.faults = []
            self.requests = []
            self.latency = 0.0
            self.page_size = None
            self.in_flight = 0
            self.max_in_flight = 0

    # -- arranging -------------------------------------------------------------------------------

    def add_google_user(
        self,
        token,
        sub,
        email,
        email_verified=True,
        given_name="Joe",
        family_name="Smith",
        name=None,
        client_id=GOOGLE_CLIENT_IDS[0],
        azp=None,
    ):
        """``client_id`` is the token's ``aud``; ``azp`` (the authorized party) defaults to it."""
        with self.lock:
            self.token_apps[token] = {"aud": client_id, "azp": azp or client_id}
            self.google_users[token] = {
                "sub": str(sub),
                "email": email,
                "email_verified": email_verified,
                "given_name": given_name,
                "family_name": family_name,
                "name": name if name is not None else f"{given_name} {family_name}",
                "picture": "https://example.com/photo.jpg",
                "locale": "en",
            }
            self.mailboxes.setdefault(str(sub), {})

    def add_linkedin_user(
        self,
        token,
        sub,
        email,
        email_verified=True,
        given_name="Bob",
        family_name="Smith",
        name=None,
        profile=None,
        client_id=LINKEDIN_CLIENT_ID,
    ):
        userinfo = {
            "sub": str(sub),
            "email": email,
            "email_verified": email_verified,
            "given_name": given_name,
            "family_name": family_name,
            "name": name if name is not None else f"{given_name} {family_name}",
            "locale": {"country": "US", "language": "en"},
        }
        with self.lock:
            self.token_apps[token] = {"client_id": client_id}
            self.linkedin_users[token] = {
                "userinfo": userinfo,
                "profile": profile
                if profile is not None
                else linkedin_profile(str(sub), given_name, family_name),
            }

    def add_message(self, google_token, message):
        """Put ``message`` (a Gmail ``format=full`` dict with at least ``id``) in the token's mailbox."""
        message = dict(message)
        message.setdefault("threadId", message["id"])
        message.setdefault("internalDate", str(int(time.time() * 1000)))
        message.setdefault("labelIds", ["INBOX"])
        with self.lock:
            subject = self.google_users[google_token]["sub"]
            self.mailboxes[subject][message["id"]] = message
        return message

    def add_job_page(self, job_id, html):
        with self.lock:
            self.job_pages[str(job_id)] = html

    def reject_token(self, token):
        with self.lock:
            self.rejected.add(token)

    def fail(self, path_prefix, status, times=1, retry_after=None):
        with self.lock:
            self.faults.append(
                {"prefix": path_prefix, "status": status, "times": times, "retry_after": retry_after}
            )

    def drop(self, path_prefix, times=1):
        self.fail(path_prefix, None, times)

    # -- inspecting ------------------------------------------------------------------------------

    def calls(self, path_prefix=""):
        with self.lock:
            return [call for call in self.requests if call["path"].startswith(path_prefix)]

    # -- serving (called from the server's threads) ------------------------------------------------

    def _take_fault(self, path):
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault["prefix"]) and fault["times"] > 0:
                    fault["times"] -= 1
                    return fault
        return None

    def _enter(self, call):
        with self.lock:
            self.requests.append(call)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self.latency

    def _leave(self):
        with self.lock:
            self.in_flight -= 1

    def _route(self, path, query, token):
        """(status, content type, body) for a call that no fault intercepted."""
        with self.lock:
            if path.startswith("/jobs/view/"):
                job_id = path[len("/jobs/view/") :].strip("/")
                html = self.job_pages.get(job_id)
                if html is None:
                    return 404, "text/html; charset=utf-8", "<html><body>Not found</body></html>"
                return 200, "text/html; charset=utf-8", html
            if path == GOOGLE_TOKENINFO:
                return self._tokeninfo(query.get("access_token"))
            if token is None or token in self.rejected:
                return _error(401, "UNAUTHENTICATED")
            if path == "/oauth2/v3/userinfo":
                user = self.google_users.get(token)
                return _json(user) if user else _error(401, "UNAUTHENTICATED")
            if path in ("/v2/userinfo", "/v2/me"):
                user = self.linkedin_users.get(token)
                if user is None:
                    return _error(401, "UNAUTHENTICATED")
                return _json(user["userinfo"] if path == "/v2/userinfo" else user["profile"])
            if path == GMAIL_MESSAGES or path.startswith(GMAIL_MESSAGES + "/"):
                user = self.google_users.get(token)
                if user is None:
                    return _error(401, "UNAUTHENTICATED")
                mailbox = self.mailboxes[user["sub"]]
                if path == GMAIL_MESSAGES:
                    return self._list(mailbox, query)
                message = mailbox.get(unquote(path[len(GMAIL_MESSAGES) + 1 :]))
                if message is None:
                    return _error(404, "NOT_FOUND")
                return _json(message)
            return _error(404, "NOT_FOUND")

    def _tokeninfo(self, token):
        """Google's tokeninfo: the token's app, or 400 for a token it does not know (or no longer)."""
        user = self.google_users.get(token)
        if user is None or token in self.rejected:
            return _json({"error": "invalid_token", "error_description": "Invalid Value"}, 400)
        app = self.token_apps[token]
        return _json(
            {
                "aud": app["aud"],
                "azp": app["azp"],
                "sub": user["sub"],
                "email": user["email"],
                "scope": "openid email profile https://www.googleapis.com/auth/gmail.readonly",
                "exp": str(int(time.time()) + 3599),
                "expires_in": "3599",
            }
        )

    def _introspect(self, form):
        """LinkedIn's introspection (RFC 7662): only for a registered app's credentials."""
        with self.lock:
            if self.linkedin_apps.get(form.get("client_id")) != form.get("client_secret"):
                return _json(
                    {"error": "invalid_client", "error_description": "Client authentication failed"}, 401
                )
            token = form.get("token")
            if token not in self.linkedin_users or token in self.rejected:
                return _json({"active": False})
            now = int(time.time())
            return _json(
                {
                    "active": True,
                    "client_id": self.token_apps[token]["client_id"],
                    "authorized_at": now - 60,
                    "created_at": now - 60,
                    "status": "active",
                    "expires_at": now + 5183940,
                    "scope": "openid,profile,email",
                }
            )

    def _list(self, mailbox, query):
        include_spam_trash = query.get("includeSpamTrash", "false") == "true"
        matches = GmailQuery(query.get("q", ""))
        found = [
            message
            for message in mailbox.values()
            if matches(message) and (include_spam_trash or not {"SPAM", "TRASH"} & set(message["labelIds"]))
        ]
        # Gmail lists newest first.
        found.sort(key=lambda message: (-int(message["internalDate"]), message["id"]))
        try:
            size = min(int(query.get("maxResults", 100)), GMAIL_MAX_RESULTS)
            start = int(query.get("pageToken", 0))
        except ValueError:
            return _error(400, "INVALID_ARGUMENT")
        if self.page_size:
            size = min(size, self.page_size)
        page = found[start : start + size]
        body = {"resultSizeEstimate": len(found)}
        if page:
            # Gmail leaves "messages" out of an empty page.
            body["messages"] = [{"id": message["id"], "threadId": message["threadId"]} for message in page]
        if start + size < len(found):
            body["nextPageToken"] = str(start + size)
        return _json(body)


class GmailQuery:
    """The part of Gmail's search syntax the import uses: ``after:``/``before:`` (epoch seconds or
    YYYY/MM/DD), ``from:`` (substring of the From header), ``subject:`` (substring of the Subject),
    ``in:spam``/``in:trash``/``in:inbox`` (labels), words and ``"quoted phrases"`` (in the From,
    Subject or body text, any case), ``-`` before a term, ``OR``, ``(...)`` and ``{...}`` groups. Terms
    side by side must all match; other ``name:value`` terms are ignored."""

    TOKEN = re.compile(r'\s*(\{|\}|\(|\)|OR\b|-?[a-zA-Z]+:\([^)]*\)|"[^"]*"|[^\s(){}]+)')

    def __init__(self, text):
        self.tokens = [token for token in self.TOKEN.findall(text) if token]
        self.position = 0
        self.predicate = self._all(end=None)

    def __call__(self, message):
        return self.predicate(message)

    def _next(self):
        token = self.tokens[self.position] if self.position < len(self.tokens) else None
        self.position += 1
        return token

    def _all(self, end):
        alternatives = [[]]
        while self.position < len(self.tokens):
            token = self._next()
            if token == end:
                break
            if token == "OR":
                alternatives.append([])
            elif token == "(":
                alternatives[-1].append(self._all(")"))
            elif token == "{":
                group = self._all("}")
                alternatives[-1].append(group.any)
            else:
                alternatives[-1].append(_term(token))

        def all_of(message):
            return any(all(term(message) for term in terms) for terms in alternatives)

        def any_of(message):
            terms = [term for terms in alternatives for term in terms]
            return not terms or any(term(message) for term in terms)

        all_of.any = any_of
        return all_of


def _term(token):
    negate = token.startswith("-")
    name, colon, value = token.lstrip("-").partition(":")
    name = name.lower()
    if name in ("from", "subject") and colon and value:
        values = [v for v in re.split(r"\s+OR\s+|\s+", value.strip('()"')) if v]
        header_name = "From" if name == "from" else "Subject"

        def match(message):
            found = _header(message, header_name).lower()
            return any(v.lower() in found for v in values)
    elif name == "in" and colon and value:

        def match(message):
            return value.upper() in message.get("labelIds", [])
    elif name in ("after", "before") and colon and value:
        seconds = _epoch(value)
        if name == "after":

            def match(message):
                return int(message["internalDate"]) // 1000 >= seconds
        else:

            def match(message):
                return int(message["internalDate"]) // 1000 < seconds
    elif not colon or token.lstrip("-").startswith('"'):
        phrase = token.lstrip("-").strip('"').lower()

        def match(message):
            return phrase in _searchable(message)
    else:

        def match(message):
            return True

    return (lambda message: not match(message)) if negate else match


def _searchable(message):
    """The From, Subject and every decoded text part of ``message``, lower-cased."""
    texts = [_header(message, "From"), _header(message, "Subject")]
    stack = [message.get("payload", {})]
    while stack:
        part = stack.pop()
        if not isinstance(part, dict):
            continue
        data = (part.get("body") or {}).get("data")
        if isinstance(data, str):
            with contextlib.suppress(ValueError):
                texts.append(
                    base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")
                )
        stack.extend(part.get("parts") or [])
    return "\n".join(texts).lower()


def _epoch(value):
    if value.isdigit():
        return int(value)
    year, month, day = (int(part) for part in value.replace("-", "/").split("/"))
    return int(datetime.datetime(year, month, day, tzinfo=datetime.UTC).timestamp())


def _header(message, name):
    for header in message.get("payload", {}).get("headers", []):
        if header.get("name", "").lower() == name.lower():
            return header.get("value", "")
    return ""


def _json(body, status=200):
    return status, "application/json; charset=utf-8", json.dumps(body)


def _error(status, reason):
    return _json(
        {"error": {"code": status, "message": reason.replace("_", " ").lower(), "status": reason}}, status
    )


def linkedin_profile(sub, given_name="Bob", family_name="Smith"):
    """A /v2/me answer shaped like the spec's example."""
    locale = {"country": "US", "language": "en"}
    return {
        "id": sub,
        "firstName": {"localized": {"en_US": given_name}, "preferredLocale": locale},
        "localizedFirstName": given_name,
        "lastName": {"localized": {"en_US": family_name}, "preferredLocale": locale},
        "localizedLastName": family_name,
        "headline": {"localized": {"en_US": "API Enthusiast at LinkedIn"}, "preferredLocale": locale},
        "localizedHeadline": "API Enthusiast at LinkedIn",
        "vanityName": f"{given_name}{family_name}".lower(),
        "profilePicture": {"displayImage": "urn:li:digitalmediaAsset:C4D00AAAAbBCDEFGhiJ"},
    }


_message_ids = itertools.count(1)


def gmail_message(
    sender="jobs-noreply@linkedin.com",
    subject="Your application was sent",
    html="<p>hi</p>",
    internal_date_ms=None,
    msg_id=None,
    date_header="Wed, 23 Jan 2019 14:18:12 +0000",
):
    """A minimal ``format=full`` Gmail message: one text/html part, base64url body."""
    data = base64.urlsafe_b64encode(html.encode("utf-8")).decode("ascii").rstrip("=")
    headers = [{"name": "From", "value": sender}, {"name": "Subject", "value": subject}]
    if date_header:
        headers.append({"name": "Date", "value": date_header})
    message = {
        "id": msg_id or f"{next(_message_ids):016x}",
        "payload": {"mimeType": "text/html", "headers": headers, "body": {"size": len(html), "data": data}},
    }
    if internal_date_ms is not None:
        message["internalDate"] = str(internal_date_ms)
    return message


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        """Quiet: the request log is ``FakeProvider.requests``."""

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        form = {}
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            form = {name: values[-1] for name, values in parse_qs(body).items()}
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" and token.strip() else None
        latency = fake._enter(
            {
                "method": self.command,
                "path": parts.path,
                "query": query,
                "token": token,
                "form": form,
                "client_port": self.client_address[1],
            }
        )
        try:
            if latency:
                time.sleep(latency)
            fault = fake._take_fault(parts.path)
            if fault is not None and fault["status"] is None:
                self.close_connection = True
                return
            if fault is not None:
                status, content_type, body = _error(fault["status"], "INJECTED")
                extra = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] is not None else {}
            elif self.command == "POST" and parts.path == LINKEDIN_INTROSPECT:
                status, content_type, body = fake._introspect(form)
                extra = {}
            elif self.command == "POST":
                status, content_type, body = _error(405, "METHOD_NOT_ALLOWED")
                extra = {}
            else:
                status, content_type, body = fake._route(parts.path, query, token)
                extra = {}
            self._send(status, content_type, body, extra)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout): nothing to answer.
            self.close_connection = True
        finally:
            fake._leave()

    def _send(self, status, content_type, body, headers):
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="fake", error="invalid_token"')
        self.end_headers()
        self.wfile.write(payload)
