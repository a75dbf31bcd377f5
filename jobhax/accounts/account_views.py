"""Account self-service (/api/users/*): email verification, passwords, profile, export, deletion."""

from jobhax.accounts import credentials, erasure, export, profile, schemas
from jobhax.accounts.security import bearer_token
from jobhax.accounts.services import utcnow
from jobhax.api import api_service
from jobhax.envelope import envelope
from jobhax.schema import body_validator

AUTH = {"permission": "authenticated"}
BODY = {"validators": (body_validator,)}

verify_email = api_service(
    "verify_email", "/api/users/verify_email", "Prove the account's email address with the mailed token."
)
resend_verification = api_service(
    "resend_verification", "/api/users/resend_verification", "Mail the email verification link again."
)
request_password_reset = api_service(
    "request_password_reset",
    "/api/users/request_password_reset",
    "Mail a password reset link to the account with this email, if there is one (always answers success).",
)
reset_password = api_service(
    "reset_password",
    "/api/users/reset_password",
    "Set a new password with the mailed token; every token of the account is revoked.",
)
change_password = api_service(
    "change_password",
    "/api/users/change_password",
    "Change the password; every other session of the account is revoked.",
)
get_profile = api_service("get_profile", "/api/users/get_profile", "The caller's profile.")
update_profile = api_service("update_profile", "/api/users/update_profile", "Change the caller's names.")
export_account = api_service(
    "export", "/api/users/export", "Everything stored about the caller, as one JSON document (streamed)."
)
delete_account = api_service(
    "delete_account",
    "/api/users/delete_account",
    "Erase the caller's account and everything of theirs, now.",
)


@verify_email.post(schema=schemas.TokenBody, **BODY)
def verify_user_email(request):
    credentials.verify_email(request.dbsession, request.validated["token"])
    return envelope(None)


@resend_verification.post(**AUTH)
def resend_verification_mail(request):
    credentials.resend_verification(request.dbsession, request.authenticated_userid)
    return envelope(None)


@request_password_reset.post(schema=schemas.PasswordResetRequestBody, **BODY)
def request_reset(request):
    credentials.request_password_reset(request.dbsession, request.validated["email"])
    return envelope(None)


@reset_password.post(schema=schemas.ResetPasswordBody, **BODY)
def reset_user_password(request):
    credentials.reset_password(request.dbsession, **request.validated)
    return envelope(None)


@change_password.post(schema=schemas.ChangePasswordBody, **BODY, **AUTH)
def change_user_password(request):
    credentials.change_password(
        request.dbsession,
        request.authenticated_userid,
        access_token=bearer_token(request),
        **request.validated,
    )
    return envelope(None)


@get_profile.get(**AUTH)
def show_profile(request):
    return envelope(profile.get_profile(request.dbsession, request.authenticated_userid))


@update_profile.post(schema=schemas.UpdateProfileBody, **BODY, **AUTH)
def change_profile(request):
    return envelope(
        profile.update_profile(request.dbsession, request.authenticated_userid, **request.validated)
    )


@export_account.get(**AUTH)
def export_user_data(request):
    response = request.response
    response.content_type = "application/json"
    response.charset = "utf-8"
    response.content_disposition = 'attachment; filename="jobhax-export.json"'
    response.app_iter = export.export_document(
        request.registry["engine"], request.authenticated_userid, utcnow()
    )
    return response


@delete_account.post(schema=schemas.DeleteAccountBody, **BODY, **AUTH)
def delete_user_account(request):
    erasure.delete_account(request.dbsession, request.authenticated_userid, **request.validated)
    return envelope(None)
