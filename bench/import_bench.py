"""`make bench-import`: how long the Gmail import of a 1,000-message mailbox takes with 50 ms added to every
call to Gmail and LinkedIn (the fake provider of the tests, on 127.0.0.1); then the worst-case parser input.

The mailbox mixes every kind (tests.mailimport.mailboxes.mixed): the four 2019 sources, ATS confirmations,
interviews, rejections and offers about them, newsletters. The worst case: 1 MiB lines built to make a
backtracking or quadratic parser crawl (". " repeated, as once in a reply@hired.com mail; "<", "&",
attribute and nesting bombs), each parsed and sanitized as the import does it; the slowest is reported.

The import runs in this process exactly as a worker runs it (jobhax.mailimport.importer.run_import), on a
scratch database (``jobhax_import_bench`` beside JOBHAX_BENCH_DATABASE_URL, default 127.0.0.1:5432) created,
migrated and dropped by the run. ``--readers 1`` shows what reading one message at a time costs.
"""

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobhax.accounts import services as accounts  # noqa: E402
from jobhax.accounts.social import link_google_token  # noqa: E402
from jobhax.config import load_settings  # noqa: E402
from jobhax.mailimport import importer  # noqa: E402
from jobhax.mailimport.hostile import MAX_TEXT, sanitize_html  # noqa: E402
from jobhax.mailimport.models import MailImport  # noqa: E402
from jobhax.mailimport.parsers import UnparseableMessage, parse_message  # noqa: E402
from jobhax.migrations import upgrade  # noqa: E402
from jobhax.tasks import JobEnvironment  # noqa: E402
from tests.databases import drop_database, recreate_database  # noqa: E402
from tests.fakeprovider import FakeProvider, gmail_message  # noqa: E402
from tests.mailimport.mailboxes import job_page_html, mixed  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/jobhax_import_bench"
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
TOKEN = "bench-google-token"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every provider call")
    parser.add_argument("--readers", type=int, default=importer.READERS, help="messages read at once")
    args = parser.parse_args()

    url = os.environ.get("JOBHAX_BENCH_DATABASE_URL", DEFAULT_URL)
    url = make_url(url).set(database="jobhax_import_bench").render_as_string(hide_password=False)
    recreate_database(url)
    provider = FakeProvider().start()
    try:
        upgrade(url)
        settings = load_settings(
            {
                "sqlalchemy.url": url,
                "jobhax.secret_key": SECRET_KEY,
                "jobhax.env": "testing",
                "jobhax.google_api_base": provider.url,
                "jobhax.linkedin_web_base": provider.url,
            }
        )
        env = JobEnvironment.for_settings(settings)
        provider.add_google_user(TOKEN, "bench", "bench@gmail.com")
        for n in range(args.messages):
            provider.add_message(TOKEN, mixed(n))
            if n % 10 < 4 and n % 4 == 0:  # LinkedIn: its job page is read too
                provider.add_job_page(str(900000 + n), job_page_html())
        with env.transaction() as dbsession:
            user = accounts.register_user(
                dbsession,
                username="bench",
                email="bench@example.com",
                password="bench password",
                password2="bench password",
            )
            link_google_token(dbsession, settings, user.id, TOKEN)
            user_id = user.id
        provider.latency = args.latency
        started = time.monotonic()
        importer.run_import(env, user_id, readers=args.readers)
        elapsed = time.monotonic() - started
        with env.transaction() as dbsession:
            row = dbsession.get(MailImport, user_id)
            result = (
                row.state,
                row.messages_total,
                row.messages_processed,
                row.jobapps_created,
                row.jobapps_updated,
                row.messages_skipped,
            )
        calls = len(provider.calls())
        env.engine.dispose()
    finally:
        provider.stop()
        drop_database(url)
    print(
        f"{args.messages} messages, {args.latency * 1000:.0f} ms per call, {args.readers} readers: "
        f"{elapsed:.1f} s ({calls} provider calls; state {result[0]}, listed {result[1]}, "
        f"processed {result[2]}, applications created {result[3]}, updated {result[4]}, skipped {result[5]})"
    )
    worst_case()


HOSTILE_LINES = {
    "'. ' x 512Ki": ". " * (MAX_TEXT // 2),
    "'<' x 1Mi": "<" * MAX_TEXT,
    "'<a' x 512Ki": "<a" * (MAX_TEXT // 2),
    "'&' x 1Mi": "&" * MAX_TEXT,
    "'<div>' x 200Ki": "<div>" * (MAX_TEXT // 5),
    "one tag, 256Ki attributes": "<a " + "b=1 " * (MAX_TEXT // 4) + ">",
    "'updates from ' x 80Ki": "updates from " * (MAX_TEXT // 13),
    "'would like to interview you for the ' x 28Ki": " would like to interview you for the "
    * (MAX_TEXT // 37),
}
HOSTILE_SENDERS = ("Hired <reply@hired.com>", "indeedapply@indeed.com", "Acme <no-reply@greenhouse.io>")


def worst_case():
    """Parse (and sanitize, as the import stores bodies) each hostile 1 MiB line from each sender."""
    times = {}
    for name, line in HOSTILE_LINES.items():
        for sender in HOSTILE_SENDERS:
            message = gmail_message(sender=sender, subject="Interview Request", html=line)
            started = time.monotonic()
            with contextlib.suppress(UnparseableMessage):
                parse_message(message)
            sanitize_html(line)
            times[(name, sender)] = time.monotonic() - started
    (name, sender), slowest = max(times.items(), key=lambda item: item[1])
    print(
        f"worst-case parser input (1 MiB line, parsed and sanitized): slowest {slowest:.2f} s "
        f"({name} from {sender}); {len(times)} inputs, all under {max(times.values()):.2f} s"
    )


if __name__ == "__main__":
    main()
