"""Account self-service (/api/users/*): email verification, passwords, profile, export, deletion."""

from jobhax.accounts import credentials, erasure, export, profile, request_schemas
from jobhax.accounts.security import bearer_token
from jobhax.api import AUTHENTICATED, PUBLIC, ApiService
from jobhax.clock import utcnow
from jobhax.envelope import envelope
from jobhax.validation import body_validator

PUBLIC_BODY = {"validators": (body_validator,), "permission": PUBLIC}
AUTH_BODY = {"validators": (body_validator,), "permission": AUTHENTICATED}

verify_email_service = ApiService(
    "verify_email", "/api/users/verify_email", "Prove the account's email address with the mailed token."
)
resend_verification_service = ApiService(
    "resend_verification", "/api/users/resend_verification", "Mail the email verification link again."
)
request_password_reset_service = ApiService(
    "request_password_reset",
    "/api/users/request_password_reset",
    "Mail a password reset link to the account with this email, if there is one (always answers success).",
)
reset_password_service = ApiService(
    "reset_password",
    "/api/users/reset_password",
    "Set a new password with the mailed token; every token of the account is revoked.",
)
change_password_service = ApiService(
    "change_password",
    "/api/users/change_password",
    "Change the password; every other session of the account is revoked.",
)
get_profile_service = ApiService("get_profile", "/api/users/get_profile", "The caller's profile.")
update_profile_service = ApiService(
    "update_profile", "/api/users/update_profile", "Change the caller's names."
)
export_service = ApiService(
    "export", "/api/users/export", "Everything stored about the caller, as one JSON document (streamed)."
)
delete_account_service = ApiService(
    "delete_account",
    "/api/users/delete_account",
    "Erase the caller's account and everything of theirs, now.",
)


@verify_email_service.post(schema=request_schemas.TokenBody, **PUBLIC_BODY)
def verify_email(request):
    credentials.verify_email(request.dbsession, request.validated["token"])
    return envelope(None)


@resend_verification_service.post(permission=AUTHENTICATED)
def resend_verification(request):
    credentials.resend_verification(request.dbsession, request.authenticated_userid)
    return envelope(None)


@request_password_reset_service.post(schema=request_schemas.PasswordResetRequestBody, **PUBLIC_BODY)
def request_password_reset(request):
    credentials.request_password_reset(request.dbsession, request.validated["email"])
    return envelope(None)


@reset_password_service.post(schema=request_schemas.ResetPasswordBody, **PUBLIC_BODY)
def reset_password(request):
    credentials.reset_password(request.dbsession, **request.validated)
    return envelope(None)


@change_password_service.post(schema=request_schemas.ChangePasswordBody, **AUTH_BODY)
def change_password(request):
    credentials.change_password(
        request.dbsession,
        request.authenticated_userid,
        access_token=bearer_token(request),
        **request.validated,
    )
    return envelope(None)


@get_profile_service.get(permission=AUTHENTICATED)
def get_profile(request):
    return envelope(profile.get_profile(request.dbsession, request.authenticated_userid))


@update_profile_service.post(schema=request_schemas.UpdateProfileBody, **AUTH_BODY)
def update_profile(request):
    return envelope(
        profile.update_profile(request.dbsession, request.authenticated_userid, **request.validated)
    )


@export_service.get(permission=AUTHENTICATED)
def export_account(request):
    response = request.response
    response.content_type = "application/json"
    response.charset = "utf-8"
    response.content_disposition = 'attachment; filename="jobhax-export.json"'
    response.app_iter = export.export_document(
        request.registry["engine"], request.authenticated_userid, utcnow()
    )
    return response


@delete_account_service.post(schema=request_schemas.DeleteAccountBody, **AUTH_BODY)
def delete_account(request):
    erasure.delete_account(request.dbsession, request.authenticated_userid, **request.validated)
    return envelope(None)
