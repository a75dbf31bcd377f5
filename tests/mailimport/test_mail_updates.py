"""Mail understanding end to end: the wave-2 mailbox through the fake Gmail, then what the API answers."""

import datetime
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jobhax.accounts.social import link_google_token
from jobhax.jobapps.models import JobApplication, StatusHistory
from jobhax.mailimport import importer
from jobhax.mailimport.models import MailImport
from jobhax.metrics.queries import JOBTITLE_AND_STATUSES, WORD_COUNT
from jobhax.tasks import JobEnvironment
from tests.api_client import assert_ok
from tests.fakeprovider import gmail_message
from tests.metrics.answers import answers_from_views

WAVE2 = Path(__file__).resolve().parent.parent / "fixtures" / "gmail" / "wave2"
EXPECTED = json.loads((WAVE2 / "EXPECTED.json").read_text())["messages"]
TOKEN = "google-token"
BASE = "/api/jobapps"
STATUS_IDS = {"Applied": 1, "To Apply": 2, "Phone Screen": 3, "Onsite Interview": 4, "Offer": 5}


@pytest.fixture
def env(app, clean_database):
    # The app's own engine and sessions, as a worker gets them.
    return JobEnvironment(app.registry.settings, app.registry["engine"], app.registry["dbsession_factory"])


@pytest.fixture
def linked(api, db, app, provider):
    """The api user, with a Google account (and an empty Gmail mailbox on the fake) linked."""
    provider.add_google_user(TOKEN, "3001", f"{api.user.username}@gmail.com")
    link_google_token(db, app.registry.settings, api.user.id, TOKEN)
    db.commit()
    return api


def load(name):
    return json.loads((WAVE2 / name).read_text())


def fill_wave2(provider):
    for entry in EXPECTED:
        provider.add_message(TOKEN, load(entry["file"]))


def sync_status(db, user_id):
    db.expire_all()
    return db.get(MailImport, user_id)


def jobapps(api):
    return {app["msgId"]: app for app in assert_ok(api.get(f"{BASE}/get_jobapps"))}


def history(api, jobapp_id):
    return assert_ok(api.get(f"{BASE}/get_status_history", {"jobapp_id": jobapp_id}))


def z(value):
    return value.replace("Z", "")


def test_the_wave2_mailbox_creates_and_moves_applications_as_expected(env, linked, provider, db):
    fill_wave2(provider)
    importer.run_import(env, linked.user.id)

    listed = jobapps(linked)
    created = [entry for entry in EXPECTED if entry["kind"] == "application"]
    assert sorted(listed) == sorted(entry["msgId"] for entry in created)
    for entry in created:
        app = listed[entry["msgId"]]
        assert (app["source"], app["company"], app["jobTitle"]) == (
            entry["source"],
            entry["company"],
            entry["jobTitle"],
        )
        if "applyDate" in entry:
            assert app["applyDate"] == entry["applyDate"]

    by_company = {app["company"]: app for app in listed.values()}
    final = {
        entry["company"]: entry for entry in EXPECTED if entry["kind"] == "update"
    }  # the last per company
    for company, entry in final.items():
        app = by_company[company]
        assert app["applicationStatus"]["value"] == entry["status"], entry["file"]
        assert app["isRejected"] is bool(entry.get("rejected"))
    # Each update: one history row, dated by its message, origin email with its id.
    northwind = by_company["Northwind"]
    rows = history(linked, northwind["id"])
    assert [(row["applicationStatus"]["value"], row["origin"], row["msgId"]) for row in rows] == [
        ("Applied", "import", None),
        ("Phone Screen", "email", "19a0000000000005"),
        ("Onsite Interview", "email", "19a0000000000007"),
    ]
    assert rows[1]["update_date"].startswith("2025-11-19T16:00:00")
    assert rows[2]["update_date"].startswith("2025-11-22T18:45:00")
    assert northwind["lastUpdate"] == "2025-11-22T18:45:00Z" or northwind["lastUpdate"] > "2025-11-22"
    globex = by_company["Globex"]
    assert [row["origin"] for row in history(linked, globex["id"])] == ["import"]
    offer = history(linked, by_company["Umbrella Labs"]["id"])
    assert [(row["applicationStatus"]["value"], row["msgId"]) for row in offer][-1] == (
        "Offer",
        "19a0000000000008",
    )

    row = sync_status(db, linked.user.id)
    assert (row.state, row.messages_total, row.messages_processed) == ("done", 11, 11)
    assert (row.jobapps_created, row.jobapps_updated, row.messages_skipped) == (5, 3, 2)
    status = assert_ok(linked.get("/api/users/sync_status"))
    assert status["jobapps_updated"] == 3

    # The hostile confirmation: NUL stripped, its body served without script, handlers or javascript:.
    mails = assert_ok(linked.get("/api/users/get_user_google_mails"))
    hostile = next(mail for mail in mails if "Vandelay" in mail["subject"])
    assert "ImportExport Manager" in hostile["body"] and "\x00" not in hostile["body"]
    for forbidden in ("<script", "onerror", "javascript:", "alert("):
        assert forbidden not in hostile["body"]
    assert len(mails) == 5 + 4  # the confirmations and the four updates about tracked applications


def test_a_reimport_changes_nothing(env, linked, provider, db):
    fill_wave2(provider)
    importer.run_import(env, linked.user.id)
    before = jobapps(linked)
    rows = db.scalar(select(func.count()).select_from(StatusHistory))
    sync_status(db, linked.user.id).last_success_at = None  # the whole mailbox again
    db.commit()
    importer.run_import(env, linked.user.id)
    assert jobapps(linked) == before
    assert db.scalar(select(func.count()).select_from(StatusHistory)) == rows
    row = sync_status(db, linked.user.id)
    assert (row.jobapps_created, row.jobapps_updated) == (0, 0)


def test_a_later_hand_edit_wins_over_older_mail(env, linked, provider, db):
    # Tracked by hand, then changed by hand today: the 2025 mail about it is older and changes nothing.
    app = assert_ok(
        linked.post(
            f"{BASE}/add_jobapp",
            {
                "job_title": "Staff Platform Engineer",
                "company": "Northwind, Inc.",
                "application_date": "2025-11-01",
            },
        )
    )
    assert_ok(linked.post(f"{BASE}/update_jobapp", {"jobapp_id": app["id"], "status_id": 2}))
    globex = assert_ok(
        linked.post(
            f"{BASE}/add_jobapp",
            {
                "job_title": "Backend Engineer, Payments",
                "company": "GLOBEX",
                "application_date": "2025-11-01",
            },
        )
    )
    assert_ok(linked.post(f"{BASE}/update_jobapp", {"jobapp_id": globex["id"], "rejected": True}))
    assert_ok(linked.post(f"{BASE}/update_jobapp", {"jobapp_id": globex["id"], "rejected": False}))
    for name in ("greenhouse_phone_screen.json", "northwind_onsite.json", "lever_rejection.json"):
        provider.add_message(TOKEN, load(name))
    importer.run_import(env, linked.user.id)
    listed = {app["id"]: app for app in assert_ok(linked.get(f"{BASE}/get_jobapps"))}
    assert listed[app["id"]]["applicationStatus"]["id"] == 2
    assert listed[globex["id"]]["isRejected"] is False
    assert sync_status(db, linked.user.id).jobapps_updated == 0


def test_mail_moves_a_hand_tracked_application_matched_case_punctuation_and_suffix_insensitively(
    env, linked, provider, db
):
    # Created by hand after the mail's date (its only history row is its creation): the mail applies.
    app = assert_ok(
        linked.post(
            f"{BASE}/add_jobapp", {"job_title": "Machine Learning Engineer", "company": "UMBRELLA LABS, LLC"}
        )
    )
    provider.add_message(TOKEN, load("ashby_offer.json"))
    importer.run_import(env, linked.user.id)
    [listed] = assert_ok(linked.get(f"{BASE}/get_jobapps"))
    assert listed["applicationStatus"]["value"] == "Offer"
    assert sorted(row["origin"] for row in history(linked, app["id"])) == ["email", "user"]


def test_statuses_only_move_forward_and_rejection_never_changes_the_status(env, linked, provider, db):
    app = assert_ok(
        linked.post(
            f"{BASE}/add_jobapp",
            {
                "job_title": "Staff Platform Engineer",
                "company": "Northwind",
                "application_date": "2025-11-01",
                "status_id": 5,
            },
        )
    )
    provider.add_message(TOKEN, load("greenhouse_phone_screen.json"))
    provider.add_message(
        TOKEN,
        gmail_message(
            sender="Northwind Recruiting <no-reply@greenhouse-mail.io>",
            subject="Your application to Northwind",
            html="<p>Unfortunately, we will not be moving forward with your application.</p>",
            date_header="Thu, 27 Nov 2025 10:00:00 +0000",
            msg_id="rej1",
        ),
    )
    importer.run_import(env, linked.user.id)
    [listed] = assert_ok(linked.get(f"{BASE}/get_jobapps"))
    assert (listed["applicationStatus"]["id"], listed["isRejected"]) == (5, True)
    assert listed["lastUpdate"] == "2025-11-27T10:00:00Z" or listed["lastUpdate"] > "2025-11-27"
    assert [row["origin"] for row in history(linked, app["id"])] == ["user"]


def test_a_status_moved_by_mail_shows_in_the_stored_metric_answers_at_once(env, linked, provider, engine):
    """The title matrix is stored before the import (read), and the mail's status change forgets it."""
    body = {"job_title": "Staff Platform Engineer", "company": "Northwind", "application_date": "2025-11-01"}
    assert_ok(linked.post(f"{BASE}/add_jobapp", body))
    matrix = assert_ok(linked.get("/api/metrics/get_count_by_jobtitle_and_statuses"))
    assert matrix["data"][0] == {"name": "Applied", "data": [1]}
    provider.add_message(TOKEN, load("greenhouse_phone_screen.json"))
    importer.run_import(env, linked.user.id)
    matrix = assert_ok(linked.get("/api/metrics/get_count_by_jobtitle_and_statuses"))
    assert matrix["data"][0] == {"name": "Applied", "data": [0]}
    assert matrix["data"][2] == {"name": "Phone Screen", "data": [1]}
    with engine.connect() as connection:
        assert {
            WORD_COUNT.name: assert_ok(linked.get("/api/metrics/get_word_count")),
            JOBTITLE_AND_STATUSES.name: matrix,
        } == answers_from_views(connection, linked.user.id)


def test_a_rejection_for_another_title_or_an_untracked_company_changes_nothing(env, linked, provider, db):
    assert_ok(
        linked.post(
            f"{BASE}/add_jobapp",
            {
                "job_title": "Backend Engineer, Payments",
                "company": "Globex",
                "application_date": "2025-11-01",
            },
        )
    )
    provider.add_message(
        TOKEN,
        gmail_message(
            sender="Globex Talent <no-reply@hire.lever.co>",
            subject="Update on your Globex application",
            html="<p>Thank you for applying for the Frontend Engineer role. Unfortunately, we have decided"
            " to move forward with other candidates.</p>",
            date_header="Thu, 20 Nov 2025 10:00:00 +0000",
            msg_id="other-title",
        ),
    )
    provider.add_message(TOKEN, load("untracked_rejection.json"))
    importer.run_import(env, linked.user.id)
    [listed] = assert_ok(linked.get(f"{BASE}/get_jobapps"))
    assert listed["isRejected"] is False
    row = sync_status(db, linked.user.id)
    assert (row.messages_total, row.messages_skipped, row.jobapps_updated) == (2, 2, 0)


def test_spam_and_trash_are_not_listed(env, linked, provider, db):
    for label, msg_id in (("SPAM", "spam1"), ("TRASH", "trash1"), ("INBOX", "inbox1")):
        message = load("lever_confirmation.json")
        message["id"], message["labelIds"] = msg_id, [label]
        provider.add_message(TOKEN, message)
    importer.run_import(env, linked.user.id)
    assert list(jobapps(linked)) == ["inbox1"]


def test_an_update_is_never_applied_to_an_application_created_from_later_mail(env, linked, provider, db):
    provider.add_message(TOKEN, load("lever_rejection.json"))  # 20 Nov
    confirmation = load("lever_confirmation.json")
    confirmation["payload"]["headers"] = [
        header if header["name"] != "Date" else {"name": "Date", "value": "Mon, 1 Dec 2025 10:00:00 +0000"}
        for header in confirmation["payload"]["headers"]
    ]
    provider.add_message(TOKEN, confirmation)
    importer.run_import(env, linked.user.id)
    [listed] = jobapps(linked).values()
    assert listed["isRejected"] is False


def test_updates_are_applied_in_a_fixed_number_of_statements(env, linked, provider, db, count_statements):
    from jobhax.mailimport import parsers, updates

    def round_of(prefix, size):
        """``size`` interview invitations about three applications tracked at companies named ``prefix``."""
        for n in range(3):
            body = {
                "job_title": f"Engineer {n}",
                "company": f"{prefix} {n}",
                "application_date": "2025-01-01",
            }
            assert_ok(linked.post(f"{BASE}/add_jobapp", body))
        messages = [
            gmail_message(
                sender=f"{prefix} {n % 3} Recruiting <jobs@{prefix.lower()}{n % 3}.example>",
                subject=f"Interview invitation: Engineer {n % 3}",
                html="<p>We'd like to schedule a phone interview with you.</p>",
                date_header=f"Mon, {n % 27 + 1} Dec 2025 10:00:00 +0000",
                msg_id=f"{prefix}-{n}",
            )
            for n in range(size)
        ]
        parsed = sorted(map(parsers.parse_message, messages), key=lambda item: item.date)
        with env.transaction() as dbsession, count_statements() as counter:
            updates.store_updates(dbsession, linked.user.id, parsed, datetime.datetime.now(datetime.UTC))
        return counter.count

    assert round_of("Alpha", 3) == round_of("Beta", 30)
    assert {app["applicationStatus"]["id"] for app in assert_ok(linked.get(f"{BASE}/get_jobapps"))} == {3}


def test_reporting_views_and_metric_counters_agree_after_mail_moved_statuses(env, linked, provider, db):
    from sqlalchemy import text

    fill_wave2(provider)
    importer.run_import(env, linked.user.id)
    views = dict(
        db.execute(
            text("SELECT status_id, count FROM reporting.status_counts WHERE user_id = :u"),
            {"u": linked.user.id},
        ).all()
    )
    counters = dict(
        db.execute(
            text("SELECT status_id, sum(count) FROM metrics.status_counts WHERE user_id = :u GROUP BY 1"),
            {"u": linked.user.id},
        ).all()
    )
    assert views == counters == {1: 3, 4: 1, 5: 1}
    by_status = assert_ok(linked.get("/api/metrics/get_count_by_statuses"))
    assert by_status == [
        {"name": "Applied", "value": 3},
        {"name": "Onsite Interview", "value": 1},
        {"name": "Offer", "value": 1},
    ]
    assert db.scalar(select(func.count()).select_from(JobApplication)) == 5
