"""The app behind a real socket, for clients that need one (requests-oauthlib, schemathesis, raw HTTP)."""

import sys
import threading
from pathlib import Path

import waitress

from tests.fakeprovider import GOOGLE_CLIENT_IDS, LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET

ROOT = Path(__file__).resolve().parent.parent
# production.ini's serve and worker refuse to start without our provider apps (DESIGN "Accounts you can
# trust"): the ones the fake provider knows.
PRODUCTION_PROVIDER_ENV = {
    "JOBHAX_GOOGLE_CLIENT_IDS": ", ".join(GOOGLE_CLIENT_IDS),
    "JOBHAX_LINKEDIN_CLIENT_ID": LINKEDIN_CLIENT_ID,
    "JOBHAX_LINKEDIN_CLIENT_SECRET": LINKEDIN_CLIENT_SECRET,
}


def jobhax_command(*args, ini=ROOT / "production.ini"):
    """The `jobhax` command line, run by this interpreter (the project's venv)."""
    return [sys.executable, "-m", "jobhax.cli", "--ini", str(ini), *args]


def serve_command(port, *extra):
    """`jobhax serve` on 127.0.0.1:``port`` with production.ini."""
    return jobhax_command("serve", "--host", "127.0.0.1", "--port", str(port), *extra)


class serve:
    """Context manager: ``app`` served by waitress in a thread on 127.0.0.1; yields its base URL."""

    def __init__(self, app, threads=8):
        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def port(self):
        return self.server.effective_port

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.close()
        self.thread.join(timeout=5)
