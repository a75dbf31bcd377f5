"""`make bench-import`: how long the Gmail import of a 1,000-message mailbox takes with 50 ms added to every
call to Gmail and LinkedIn (the fake provider of the tests, on 127.0.0.1).

The import runs in this process exactly as a worker runs it (jobhax.mailimport.importer.run_import), on a
scratch database (``jobhax_import_bench`` beside JOBHAX_BENCH_DATABASE_URL, default 127.0.0.1:5432) created,
migrated and dropped by the run. ``--readers 1`` shows what reading one message at a time costs.
"""

import argparse
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
from jobhax.mailimport.models import MailImport  # noqa: E402
from jobhax.migrations import upgrade  # noqa: E402
from jobhax.tasks import JobEnvironment  # noqa: E402
from tests.databases import drop_database, recreate_database  # noqa: E402
from tests.fakeprovider import FakeProvider  # noqa: E402
from tests.mailimport.mailboxes import application, job_page_html  # noqa: E402

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
            provider.add_message(TOKEN, application(n))
            if n % 4 == 0:  # LinkedIn: its job page is read too
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
            result = (row.state, row.messages_total, row.messages_processed, row.jobapps_created)
        calls = len(provider.calls())
        env.engine.dispose()
    finally:
        provider.stop()
        drop_database(url)
    print(
        f"{args.messages} messages, {args.latency * 1000:.0f} ms per call, {args.readers} readers: "
        f"{elapsed:.1f} s ({calls} provider calls; state {result[0]}, listed {result[1]}, "
        f"processed {result[2]}, applications created {result[3]})"
    )


if __name__ == "__main__":
    main()
