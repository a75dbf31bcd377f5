"""Every mapped model, imported once so Alembic and the app see the same metadata."""

from jobhax.accounts.models import LoginFailure, OAuthClient, OAuthToken, SocialAccount, User  # noqa: F401
from jobhax.db import Base  # noqa: F401
from jobhax.jobapps.models import ApplicationStatus, JobApplication, JobPosting, Note, StatusHistory  # noqa: F401
from jobhax.mailimport.models import Mail, MailImport  # noqa: F401
from jobhax.reminders.models import CalendarFeed, Reminder  # noqa: F401
from jobhax.webhooks.models import Webhook  # noqa: F401
