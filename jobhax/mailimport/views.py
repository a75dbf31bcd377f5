"""Gmail import endpoints (/api/users/*): a new Google token, queue an import, its status, the mails read."""

from jobhax.accounts.social import link_google_token
from jobhax.api import AUTHENTICATED, ApiService
from jobhax.envelope import envelope
from jobhax.mailimport import services
from jobhax.mailimport.request_schemas import UpdateGmailTokenBody
from jobhax.validation import body_validator

AUTH = dict(permission=AUTHENTICATED)

update_gmail_token_service = ApiService(
    "update_gmail_token",
    "/api/users/update_gmail_token",
    "Store a new Google token for the caller and queue a Gmail import.",
)
sync_user_emails_service = ApiService(
    "sync_user_emails",
    "/api/users/sync_user_emails",
    "Queue a Gmail import for the caller (unless one is queued or running); its status.",
)
sync_status_service = ApiService("sync_status", "/api/users/sync_status", "The caller's last Gmail import.")
get_user_google_mails_service = ApiService(
    "get_user_google_mails",
    "/api/users/get_user_google_mails",
    "The application emails imported from the caller's Gmail, newest first.",
)


@update_gmail_token_service.post(schema=UpdateGmailTokenBody, validators=(body_validator,), **AUTH)
def update_gmail_token(request):
    user_id = request.authenticated_userid
    link_google_token(request.dbsession, request.registry.settings, user_id, request.validated["token"])
    services.queue_import(request.dbsession, user_id)
    return envelope()


@sync_user_emails_service.get(**AUTH)
def sync_user_emails(request):
    return envelope(
        services.sync_user_emails(request.dbsession, request.registry.settings, request.authenticated_userid)
    )


@sync_status_service.get(**AUTH)
def sync_status(request):
    return envelope(services.sync_status(request.dbsession, request.authenticated_userid))


@get_user_google_mails_service.get(**AUTH)
def get_user_google_mails(request):
    return envelope(services.list_mails(request.dbsession, request.authenticated_userid))
