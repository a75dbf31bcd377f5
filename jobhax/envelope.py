"""The response envelope and its error codes, each with its HTTP status (the exception views that answer
with them are in :mod:`jobhax.errors`).

Every ``/api/*`` response is ``{"success", "error_code", "error_message", "data"}``.

====  ======  ========================================================
code  status  message
====  ======  ========================================================
0     200     (success)
1     401     Invalid credentials
2     404     User profile not found.
3     400     Error occured while updating the google token.
4     409     Google token has expired. Please refresh Google token.
5     400     Couldnt logout user...
6     401     Could not login... Please check your credentials...
7     400     Passwords do not match
8     409     That username is taken
9     409     That email is being used
10    400     Invalid parameters...      (405 wrong method, 413 body too large)
11    404     Record not found...        (unknown route, unknown or foreign id)
12    429     Too many attempts
13    500     Internal error             (never a traceback)
14    503     Service temporarily unavailable, try again later
15    403     Email not verified
16    400     Token invalid or expired   (email verification and password reset tokens)
17    409     Quota exceeded
====  ======  ========================================================

Raise :class:`ApiError` to answer with a code and roll the transaction back; return
:func:`error_response` to answer with a code and keep what the request wrote (login failures).
"""

import enum

from pyramid.response import Response


class ErrorCode(enum.IntEnum):
    def __new__(cls, value, status, message):
        member = int.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.message = message
        return member

    OK = (0, 200, "")
    INVALID_CREDENTIALS = (1, 401, "Invalid credentials")
    PROFILE_NOT_FOUND = (2, 404, "User profile not found.")
    GOOGLE_TOKEN_UPDATE_FAILED = (3, 400, "Error occured while updating the google token.")
    GOOGLE_TOKEN_EXPIRED = (4, 409, "Google token has expired. Please refresh Google token.")
    LOGOUT_FAILED = (5, 400, "Couldnt logout user...")
    LOGIN_FAILED = (6, 401, "Could not login... Please check your credentials...")
    PASSWORDS_DO_NOT_MATCH = (7, 400, "Passwords do not match")
    USERNAME_TAKEN = (8, 409, "That username is taken")
    EMAIL_TAKEN = (9, 409, "That email is being used")
    INVALID_PARAMETERS = (10, 400, "Invalid parameters...")
    NOT_FOUND = (11, 404, "Record not found...")
    TOO_MANY_ATTEMPTS = (12, 429, "Too many attempts")
    INTERNAL_ERROR = (13, 500, "Internal error")
    UNAVAILABLE = (14, 503, "Service temporarily unavailable, try again later")
    EMAIL_NOT_VERIFIED = (15, 403, "Email not verified")
    TOKEN_INVALID = (16, 400, "Token invalid or expired")
    QUOTA_EXCEEDED = (17, 409, "Quota exceeded")


class ApiError(Exception):
    """Answer with ``code``; raised, so pyramid_tm rolls the request's writes back."""

    def __init__(self, code, status=None):
        super().__init__(code.message)
        self.code = code
        self.status = status or code.status


class ServiceUnavailable(ApiError):
    """A dependency (database, Google, LinkedIn) is unreachable or failing."""

    def __init__(self):
        super().__init__(ErrorCode.UNAVAILABLE)


def envelope(data=None, code=ErrorCode.OK):
    return {
        "success": code == ErrorCode.OK,
        "error_code": int(code),
        "error_message": code.message,
        "data": data if code == ErrorCode.OK else None,
    }


def json_text_response(request, data_json):
    """The success envelope around ``data_json``, JSON text PostgreSQL already built, so a large answer is
    never turned into Python objects and encoded again. Same bytes as ``envelope(data)`` would give."""
    request.response.content_type = "application/json"
    request.response.charset = "utf-8"
    request.response.text = f'{{"success": true, "error_code": 0, "error_message": "", "data": {data_json}}}'
    return request.response


def error_response(request, code, status=None):
    """The failure envelope with the code's HTTP status; HTTP 200 whatever the code under
    ``jobhax.legacy_http_status``, as the 2019 backend answered (its web client reads error messages only
    from 200s)."""
    if request.registry.settings.get("jobhax.legacy_http_status"):
        status = 200
    return _error_envelope(code, status or code.status)


def authentication_required(request):
    """A missing or invalid bearer on a protected endpoint: 401 in both modes, so clients know to log in."""
    return _error_envelope(ErrorCode.INVALID_CREDENTIALS, 401)


def _error_envelope(code, status):
    response = Response(
        json_body=envelope(code=code), status=status, content_type="application/json", charset="utf-8"
    )
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jobhax"'
    return response
