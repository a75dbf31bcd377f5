"""GET /api/users/export and POST /api/users/delete_account."""

import datetime
import json

import pytest
from sqlalchemy import select, text

from jobhax.accounts import email_tokens, export
from jobhax.accounts.models import OAuthToken, SocialAccount, User
from jobhax.jobapps.models import ApplicationStatus, JobPosting, StatusHistory
from jobhax.mailimport.models import Mail
from jobhax.mailimport.tasks import TASK_NAME as IMPORT_TASK
from jobhax.reminders.models import CalendarFeed, Reminder
from jobhax.webhooks.models import Webhook
from tests.api_client import assert_error, assert_ok, finished_import, google_login
from tests.factories import PASSWORD
from tests.mailimport import mailboxes

EXPORT = "/api/users/export"
DELETE = "/api/users/delete_account"
NOW = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)


def fill(db, factories, user, jobapps=2, notes=2):
    """Applications (one soft-deleted), notes, history, mails, a posting, a LinkedIn identity, a custom
    status (the first application's history passes through it), a reminder, a webhook and a calendar feed."""
    made = []
    custom = ApplicationStatus(user_id=user.id, value=f"Take-home {user.id}", position=6)
    db.add(custom)
    db.flush()
    for n in range(jobapps):
        jobapp = factories.jobapp(user, job_title=f"Engineer {n}", company=f"Acme {n}", deleted=n == 1)
        for k in range(notes):
            factories.note(jobapp, description=f"note {k} of {n}")
        db.add(StatusHistory(user_id=user.id, jobapp_id=jobapp.id, status_id=3, changed_at=NOW))
        db.add(
            Mail(
                user_id=user.id,
                jobapp_id=jobapp.id,
                msg_id=f"msg-{user.id}-{n}",
                subject=f"Applied {n}",
                body=f"<p>body {n}</p>",
                date=NOW,
            )
        )
        made.append(jobapp)
    db.add(JobPosting(user_id=user.id, jobapp_id=made[0].id, decorated_job_posting={"title": "Engineer 0"}))
    db.add(
        StatusHistory(
            user_id=user.id, jobapp_id=made[0].id, status_id=custom.id, changed_at=NOW, origin="user"
        )
    )
    db.add(Reminder(user_id=user.id, jobapp_id=made[0].id, due_at=NOW, text=f"Call back {user.id}"))
    db.add(
        Webhook(
            user_id=user.id,
            url=f"https://hooks.example.com/{user.id}",
            events=["jobapp.created"],
            secret_encrypted="gAAAA-ciphertext-of-the-webhook-secret",
        )
    )
    db.add(
        CalendarFeed(
            user_id=user.id, key_digest="d" * 64, key_encrypted="gAAAA-ciphertext-of-the-calendar-key"
        )
    )
    db.add(
        SocialAccount(
            user_id=user.id,
            provider="linkedin-oauth2",
            subject=f"sub-{user.id}",
            email=user.email,
            token_encrypted="gAAAA-ciphertext-of-the-linkedin-token",
        )
    )
    db.commit()
    email_tokens.issue(db, user.id, email_tokens.VERIFY_EMAIL, NOW)
    db.commit()
    return made


def exported(client):
    response = client.get(EXPORT)
    assert response.status_int == 200 and response.content_type == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="jobhax-export.json"'
    return response


def test_the_export_holds_everything_of_the_caller_and_nothing_secret(api, other_api, db, factories):
    made = fill(db, factories, api.user)
    fill(db, factories, other_api.user)
    response = exported(api)
    document = assert_ok(response)

    assert document["profile"]["username"] == api.user.username
    assert document["profile"]["providers"] == ["linkedin-oauth2"]
    assert [app["id"] for app in document["applications"]] == [app.id for app in made]
    assert document["applications"][1]["deleted_at"] is not None
    notes = sorted(note["description"] for note in document["notes"])
    assert notes == ["note 0 of 0", "note 0 of 1", "note 1 of 0", "note 1 of 1"]
    custom = f"Take-home {api.user.id}"
    assert [(row["jobapp_id"], row["status"]) for row in document["status_history"]] == [
        (made[0].id, "Applied"),
        (made[0].id, "Phone Screen"),
        (made[1].id, "Applied"),
        (made[1].id, "Phone Screen"),
        (made[0].id, custom),
    ]
    assert {row["origin"] for row in document["status_history"]} == {"user"}
    assert [(row["value"], row["position"]) for row in document["statuses"]] == [(custom, 6)]
    assert [(row["jobapp_id"], row["text"]) for row in document["reminders"]] == [
        (made[0].id, f"Call back {api.user.id}")
    ]
    assert [(row["url"], row["events"]) for row in document["webhooks"]] == [
        (f"https://hooks.example.com/{api.user.id}", ["jobapp.created"])
    ]
    assert [(mail["subject"], mail["body"]) for mail in document["mails"]] == [
        ("Applied 0", "<p>body 0</p>"),
        ("Applied 1", "<p>body 1</p>"),
    ]
    assert document["job_postings"][0]["decorated_job_posting"] == {"title": "Engineer 0"}
    assert document["providers"][0]["subject"] == f"sub-{api.user.id}"
    assert [token["purpose"] for token in document["mailed_tokens"]] == ["verify_email"]
    assert document["sessions"][0]["client"] == "factory client"

    secrets = [
        db.scalar(select(User.password_hash).where(User.id == api.user.id)),
        "gAAAA-ciphertext-of-the-linkedin-token",
        "gAAAA-ciphertext-of-the-webhook-secret",
        "gAAAA-ciphertext-of-the-calendar-key",
        api.token,
        *db.scalars(select(OAuthToken.access_token_hash).where(OAuthToken.user_id == api.user.id)),
        *db.scalars(text("SELECT token_hash FROM email_tokens")),
    ]
    assert not [secret for secret in secrets if secret in response.text]
    assert f"hooks.example.com/{other_api.user.id}" not in response.text
    assert f"Call back {other_api.user.id}" not in response.text
    assert f"sub-{other_api.user.id}" not in response.text and "Engineer" not in json.dumps(
        document["profile"]
    )


def test_the_export_is_streamed_in_batches_with_a_fixed_number_of_statements(
    api, other_api, db, factories, count_statements, engine
):
    fill(db, factories, other_api.user, jobapps=1, notes=1)
    many = export.BATCH * 2 + 1
    fill(db, factories, api.user, jobapps=2, notes=1)
    jobapp_id = db.scalar(text("SELECT min(id) FROM job_applications WHERE user_id = :u"), {"u": api.user.id})
    db.execute(
        text(
            "INSERT INTO notes (user_id, jobapp_id, description, created_at) "
            "SELECT :u, :j, 'n' || g, now() FROM generate_series(1, :n) g"
        ),
        {"u": api.user.id, "j": jobapp_id, "n": many},
    )
    db.commit()
    counts = []
    for client in (other_api, api):
        exported(client)
        with count_statements() as counter:
            response = exported(client)
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert len(assert_ok(response)["notes"]) == many + 2
    # The notes arrive in batches of BATCH rows, never all at once.
    chunks = list(export.export_document(engine, api.user.id, NOW))
    assert json.loads(b"".join(chunks))["data"]["exported_at"] == "2026-11-02T09:30:00.000000Z"
    assert max(len(chunk) for chunk in chunks) < len(b"".join(chunks)) / 2
    assert sum(chunk.count(b'"description"') > 0 for chunk in chunks) >= 3


def test_export_needs_a_bearer(testapp):
    assert_error(testapp.get(EXPORT, expect_errors=True), 1, 401)


def rows_of_user(engine, user_id, jobapp_ids):
    """Rows anywhere holding ``user_id`` in a user_id column or one of ``jobapp_ids`` in a jobapp_id one."""
    with engine.connect() as connection:
        columns = connection.execute(
            text(
                "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
                "JOIN information_schema.tables t USING (table_schema, table_name) "
                "WHERE t.table_type = 'BASE TABLE' AND c.column_name IN ('user_id', 'jobapp_id') "
                "AND c.table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
        ).all()
        found = {}
        for schema, table, column in columns:
            values = [user_id] if column == "user_id" else jobapp_ids
            count = connection.scalar(
                text(f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}" = ANY(:values)'),
                {"values": values},
            )
            found[f"{schema}.{table}.{column}"] = count
    return columns, found


def test_deleting_an_account_leaves_no_row_of_it_and_its_pending_import_never_runs(
    testapp, oauth_client, provider, db, engine, factories, start_worker
):
    worker = start_worker(concurrency=2, extra_env={"JOBHAX_IMPORT_RETRY_SECONDS": "0"})
    client = google_login(testapp, oauth_client, provider, "google-token", "4001", "joe@gmail.com")
    mailboxes.fill_fixture_mailbox(provider, "google-token")
    assert_ok(client.get("/api/users/sync_user_emails"))
    assert finished_import(client)["jobapps_created"] > 0
    worker.stop()
    user = db.scalar(select(User).where(User.email == "joe@gmail.com"))
    fill(db, factories, user)
    bystander = factories.user(username="ann")
    fill(db, factories, bystander)
    testapp.post_json(
        "/api/users/login",
        {
            **{k: oauth_client[k] for k in ("client_id", "client_secret")},
            "username": user.username,
            "password": "wrong password",
        },
        expect_errors=True,
    )
    # The next import waits in the queue: no worker runs.
    assert assert_ok(client.get("/api/users/sync_user_emails"))["state"] == "queued"
    jobapp_ids = list(db.scalars(text("SELECT id FROM job_applications WHERE user_id = :u"), {"u": user.id}))
    _, before = rows_of_user(engine, user.id, jobapp_ids)
    assert {
        "public.job_applications.user_id",
        "public.mails.user_id",
        "public.notes.jobapp_id",
        "public.status_history.jobapp_id",
        "public.job_postings.jobapp_id",
        "metrics.status_counts.user_id",
        "public.email_tokens.user_id",
        "public.oauth_tokens.user_id",
        "public.application_statuses.user_id",
        "public.reminders.user_id",
        "public.webhooks.user_id",
        "public.calendar_feeds.user_id",
        "metrics.jobapp_insights.user_id",
        "metrics.funnel_counts.user_id",
    } <= {k for k, v in before.items() if v}
    gmail_calls = len(provider.calls("/gmail/"))

    assert_error(
        client.post(DELETE, {"confirm": "delete"}),
        10,
        400,
        'confirm must be "DELETE" to delete an account without a password',
    )
    assert assert_ok(client.post(DELETE, {"confirm": "DELETE"})) is None

    _, after = rows_of_user(engine, user.id, jobapp_ids)
    assert {name: count for name, count in after.items() if count} == {}
    assert (
        db.scalar(text("SELECT count(*) FROM login_failures WHERE username = :n"), {"n": user.username}) == 0
    )
    assert (
        db.scalar(
            text("SELECT count(*) FROM procrastinate_jobs WHERE args ->> 'user_id' = :u"), {"u": str(user.id)}
        )
        == 0
    )
    # The bystander keeps everything.
    _, kept = rows_of_user(engine, bystander.id, [])
    assert kept["public.job_applications.user_id"] == 2 and kept["public.mails.user_id"] == 2

    # A worker started now never runs the erased user's import: a later import of someone else runs alone.
    other = google_login(testapp, oauth_client, provider, "other-token", "4002", "ann@gmail.com")
    provider.add_message("other-token", mailboxes.application(4))
    start_worker(concurrency=2, extra_env={"JOBHAX_IMPORT_RETRY_SECONDS": "0"})
    assert_ok(other.get("/api/users/sync_user_emails"))
    assert finished_import(other)["state"] == "done"
    assert all(call["token"] == "other-token" for call in provider.calls("/gmail/")[gmail_calls:])
    assert_error(client.get("/api/users/get_profile"), 1, 401)
    jobs = db.execute(
        text("SELECT args ->> 'user_id', status::text FROM procrastinate_jobs WHERE task_name = :t"),
        {"t": IMPORT_TASK},
    ).all()
    assert [job_user for job_user, _ in jobs] == [str(other_user_id(db))]


def other_user_id(db):
    return db.scalar(select(User.id).where(User.email == "ann@gmail.com"))


def test_a_password_account_confirms_deletion_with_its_password(testapp, db, factories, oauth_client, api):
    assert_error(api.post(DELETE, {}), 10, 400)  # neither password nor confirm
    assert_error(
        api.post(DELETE, {"confirm": "DELETE"}),
        10,
        400,
        "password is required to delete an account that has one",
    )
    assert_error(api.post(DELETE, {"password": "wrong password"}), 6, 401)
    assert_ok(api.get("/api/users/get_profile"))
    assert_ok(api.post(DELETE, {"password": PASSWORD}))
    assert_error(api.get("/api/users/get_profile"), 1, 401)
    assert db.scalar(select(User.id).where(User.id == api.user.id)) is None
    # The username and email are free again.
    assert_ok(
        testapp.post_json(
            "/api/users/register",
            {
                "username": api.user.username,
                "email": api.user.email,
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )
    )


def test_delete_account_needs_a_bearer(testapp):
    assert_error(testapp.post_json(DELETE, {"password": PASSWORD}, expect_errors=True), 1, 401)


@pytest.mark.parametrize("size", [1, 3])
def test_delete_account_issues_a_fixed_number_of_statements(api, db, factories, count_statements, size):
    fill(db, factories, api.user, jobapps=size, notes=size)
    api.get("/api/users/get_profile")
    with count_statements() as counter:
        assert_ok(api.post(DELETE, {"password": PASSWORD}))
    # The bearer, the user, erase_user(), the savepoint around the refresh job and its release (procrastinate
    # inserts the job on the same connection, below SQLAlchemy, so it is not counted here).
    assert counter.count == 5
