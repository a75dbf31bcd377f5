"""A streaming standby of the test cluster: pg_basebackup -R, then PostgreSQL in hot standby on a free port.

The primary must accept a replication connection from 127.0.0.1. Where its pg_hba.conf has no rule for
that, one line (``host replication <user> 127.0.0.1/32 trust``, the same trust the test user already has
for every database from there) is added for the test's duration and removed after, with a reload each
time; where the file is not ours to change, the test skips and says why.
"""

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.scaling.conftest import WAIT, as_service_user, free_port, service_directory, wait_for

# A standby cannot start with less of these than its primary has.
MATCHED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _replication_refused(error):
    return "pg_hba.conf" in error and "replication" in error


class Standby:
    def __init__(self, database_url):
        self.primary_url = make_url(database_url)
        if not self.primary_url.host or self.primary_url.host.startswith("/"):
            pytest.skip("a streaming standby needs a primary reached over TCP (JOBHAX_TEST_DATABASE_URL)")
        self.primary = create_engine(self.primary_url, isolation_level="AUTOCOMMIT")
        self._hba_line = None
        self.process = None
        self.directory = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        with self.primary.connect() as connection:
            settings = dict(
                connection.execute(
                    text("SELECT name, setting FROM pg_settings WHERE name = ANY(:names)"),
                    {"names": [*MATCHED_SETTINGS, "wal_level", "server_version_num", "hba_file"]},
                ).all()
            )
        if settings["wal_level"] not in ("replica", "logical"):
            pytest.skip(
                f"the test cluster has wal_level={settings['wal_level']}: it cannot stream to a standby"
            )
        if int(settings["max_wal_senders"]) < 1:
            pytest.skip("the test cluster has max_wal_senders=0: it cannot stream to a standby")
        self.bin = Path(f"/usr/lib/postgresql/{int(settings['server_version_num']) // 10000}/bin")
        if not (self.bin / "pg_basebackup").exists() or not (self.bin / "postgres").exists():
            pytest.skip(f"no PostgreSQL server binaries of the test cluster's version in {self.bin}")

        self.directory = service_directory("jobhax-standby-")
        self.data = self.directory / "data"
        error = self._base_backup()
        if error and _replication_refused(error):
            self._allow_replication(Path(settings["hba_file"]))
            # The postmaster rereads pg_hba.conf on the SIGHUP pg_reload_conf() sends, shortly after.
            deadline = time.monotonic() + WAIT
            error = self._base_backup()
            while error and _replication_refused(error) and time.monotonic() < deadline:
                time.sleep(0.2)
                error = self._base_backup()
        if error:
            raise AssertionError(f"pg_basebackup failed: {error}")
        self._configure(settings)
        self.port = self._port
        self.log = self.directory / "standby.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                as_service_user([str(self.bin / "postgres"), "-D", str(self.data)]),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.superuser_url = self.primary_url.set(host="127.0.0.1", port=self.port)
        wait_for(self._in_recovery, "the standby accepting read-only connections")

    def _base_backup(self):
        """Run pg_basebackup into an empty data directory; the error text when it fails."""
        url = self.primary_url
        command = [
            str(self.bin / "pg_basebackup"),
            "--dbname",
            f"host={url.host} port={url.port or 5432} user={url.username or 'postgres'}"
            + (f" password={url.password}" if url.password else ""),
            "--pgdata",
            str(self.data),
            "--write-recovery-conf",
            "--wal-method",
            "stream",
            "--checkpoint",
            "fast",
            "--no-sync",
        ]
        subprocess.run(as_service_user(["rm", "-rf", str(self.data)]), check=True)
        result = subprocess.run(as_service_user(command), capture_output=True, text=True, timeout=300)
        return None if result.returncode == 0 else result.stderr.strip()

    def _allow_replication(self, hba_file):
        """One trust line for replication from 127.0.0.1, removed in stop()."""
        if not os.access(hba_file, os.W_OK):
            pytest.skip(
                f"the test cluster refuses replication connections from 127.0.0.1 and {hba_file} is not "
                "writable here: add `host replication all 127.0.0.1/32 trust` to run this test"
            )
        marker = f"# jobhax test standby {secrets.token_hex(4)}: removed when the test ends"
        user = self.primary_url.username or "postgres"
        self._hba_line = (hba_file, f"host replication {user} 127.0.0.1/32 trust {marker}\n")
        with hba_file.open("a") as hba:
            hba.write(self._hba_line[1])
        self._reload_primary()

    def _reload_primary(self):
        with self.primary.connect() as connection:
            connection.execute(text("SELECT pg_reload_conf()"))

    def _configure(self, primary_settings):
        self._port = free_port()
        matched = "".join(f"{name} = {primary_settings[name]}\n" for name in MATCHED_SETTINGS)
        files = {
            # Debian keeps postgresql.conf out of the data directory; anything copied is overridden here.
            "postgresql.conf": (
                f"port = {self._port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.directory}'\nhot_standby = on\nshared_buffers = 32MB\n"
                f"ssl = off\nhba_file = '{self.data / 'pg_hba.conf'}'\n"
                f"ident_file = '{self.data / 'pg_ident.conf'}'\n"
                f"{matched}"
            ),
            # BI logins prove their password; the test's superuser keeps its trust from 127.0.0.1.
            "pg_hba.conf": (
                "local all all trust\n"
                f"host all {self.primary_url.username or 'postgres'} 127.0.0.1/32 trust\n"
                "host all all 127.0.0.1/32 scram-sha-256\n"
            ),
            "pg_ident.conf": "",
        }
        for name, content in files.items():
            path = self.data / name
            existing = path.read_text() if name == "postgresql.conf" and path.exists() else ""
            subprocess.run(
                as_service_user(["tee", str(path)]),
                input=existing + content,
                text=True,
                stdout=subprocess.DEVNULL,
                check=True,
            )

    def _in_recovery(self):
        if self.process.poll() is not None:
            raise AssertionError(f"the standby exited: {self.log.read_text()[-2000:]}")
        try:
            engine = create_engine(self.superuser_url)
            try:
                with engine.connect() as connection:
                    return connection.scalar(text("SELECT pg_is_in_recovery()"))
            finally:
                engine.dispose()
        except Exception:
            return False

    def caught_up(self):
        """Wait until the standby has replayed everything the primary wrote so far."""
        with self.primary.connect() as connection:
            target = connection.scalar(text("SELECT pg_current_wal_lsn()"))
        engine = create_engine(self.superuser_url)
        try:

            def replayed():
                with engine.connect() as connection:
                    return connection.scalar(
                        text("SELECT pg_last_wal_replay_lsn() >= CAST(:target AS pg_lsn)"), {"target": target}
                    )

            wait_for(replayed, "the standby replaying the primary's writes")
        finally:
            engine.dispose()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: sessions are cut, nothing to keep
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT)
        if self._hba_line is not None:
            hba_file, line = self._hba_line
            hba_file.write_text(hba_file.read_text().replace(line, ""))
            self._hba_line = None
            self._reload_primary()
        if self.directory is not None:
            subprocess.run(as_service_user(["rm", "-rf", str(self.directory)]), check=False)
            subprocess.run(["rm", "-rf", str(self.directory)], check=False)
        self.primary.dispose()
