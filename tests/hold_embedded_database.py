"""Run only by tests/test_lifecycle.py, under `make test`: holds the embedded PostgreSQL until stopped.

Its name does not match ``test_*.py``, so a normal run never collects it.
"""

import os
import time
from pathlib import Path

HOLD_SECONDS = 300


def test_hold_the_embedded_database_until_stopped(database_url):
    Path(os.environ["JOBHAX_HOLD_READY"]).write_text(database_url)
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
