"""Real `jobhax worker` processes on the test database, for tests that need jobs to run."""

import os
import signal
import subprocess
import time

from tests.servers import PRODUCTION_PROVIDER_ENV, ROOT, jobhax_command


class WorkerProcess:
    """``jobhax --ini production.ini worker`` with the test settings given through the environment."""

    def __init__(self, settings, *, concurrency=4, extra_env=None):
        env = dict(
            os.environ,
            JOBHAX_DATABASE_URL=settings["sqlalchemy.url"],
            JOBHAX_SECRET_KEY=settings["jobhax.secret_key"],
            JOBHAX_GOOGLE_API_BASE=settings["jobhax.google_api_base"],
            JOBHAX_LINKEDIN_API_BASE=settings["jobhax.linkedin_api_base"],
            JOBHAX_LINKEDIN_WEB_BASE=settings["jobhax.linkedin_web_base"],
            JOBHAX_VAR_DIR=settings["jobhax.var_dir"],
            **PRODUCTION_PROVIDER_ENV,
            **(extra_env or {}),
        )
        self.process = subprocess.Popen(
            jobhax_command("worker", "--concurrency", str(concurrency)),
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stop the worker and return its output."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            output, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return output

    def kill(self):
        return self.stop(signal.SIGKILL)


def wait_until(predicate, timeout=30.0, interval=0.05, message="condition"):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {timeout} s")
        time.sleep(interval)
