"""PostgreSQL's own scaling tools, started by the tests: PgBouncer in front of the test database.

Debian packages come from apt-get when missing (as CI runs: root, Debian); a test skips, saying why, only
where they cannot be had. Each server runs on 127.0.0.1 on a free port with its files in a temporary
directory, as the `postgres` OS user (neither PgBouncer nor PostgreSQL runs as root), and is stopped after.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

WAIT = 30
SERVICE_USER = "postgres"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_for(condition, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.1)


def debian_package(program, package, search=()):
    """The path of ``program``, installing Debian's ``package`` first when it is missing; skip the test
    (with the reason) where that cannot be done."""
    found = shutil.which(program, path=os.pathsep.join([os.environ.get("PATH", ""), *search]))
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(f"{program} is not installed and apt-get cannot install {package} here (not root/Debian)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            pytest.skip(f"apt-get could not install {package}: {result.stderr.strip()[-500:]}")
    found = shutil.which(program, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", *search]))
    if not found:
        pytest.skip(f"{package} installed, but no {program} found")
    return found


def service_directory(prefix):
    """A temporary directory the `postgres` OS user owns (root's pytest tmp_path is closed to it)."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            shutil.rmtree(directory)
            pytest.skip(f"running as root and there is no {SERVICE_USER} OS user to run the server as")
        os.chown(directory, account.pw_uid, account.pw_gid)
    directory.chmod(0o700)
    return directory


def as_service_user(command):
    return ["runuser", "-u", SERVICE_USER, "--", *command] if os.geteuid() == 0 else command


class PgBouncer:
    """PgBouncer in transaction pooling mode in front of the server of ``database_url``.

    Every database name passes through to that server (two server connections per database and user,
    so concurrent clients share them). ``<name>_one`` is the same database behind a single server
    connection, which every client shares: what one client leaves on it, the next one meets.
    """

    def __init__(self, database_url):
        self.program = debian_package("pgbouncer", "pgbouncer", search=["/usr/sbin"])
        self.target = make_url(database_url)
        self.port = free_port()
        self.directory = service_directory("jobhax-pgbouncer-")
        self.log = self.directory / "pgbouncer.log"
        self._write_config()
        self.process = subprocess.Popen(
            as_service_user([self.program, str(self.directory / "pgbouncer.ini")]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: self.process.poll() is not None or accepts(self.port), "pgbouncer listening")
        except AssertionError:
            self.stop()
            raise
        if self.process.poll() is not None:
            log = self.log.read_text() if self.log.exists() else ""
            self.stop()
            pytest.fail(f"pgbouncer did not start: {log[-2000:]}")

    def _write_config(self):
        target = self.target
        host = target.host or target.query.get("host") or "127.0.0.1"
        server = f"host={host} port={target.port or 5432}"
        if target.password:
            server += f" password={target.password}"
        user = target.username or "postgres"
        files = {
            "pgbouncer.ini": f"""\
[databases]
{target.database}_one = {server} dbname={target.database} pool_size=1
* = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.directory / "userlist.txt"}
admin_users = {user}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 500
logfile = {self.log}
pidfile = {self.directory / "pgbouncer.pid"}
""",
            "userlist.txt": f'"{user}" ""\n',
        }
        for name, text in files.items():
            path = self.directory / name
            path.write_text(text)
            if os.geteuid() == 0:
                shutil.chown(path, SERVICE_USER, SERVICE_USER)

    def url(self, database=None, driver="psycopg2"):
        """The URL of ``database`` (default: the target's) through the pooler."""
        return (
            self.target.set(
                drivername=f"postgresql+{driver}",
                host="127.0.0.1",
                port=self.port,
                database=database or self.target.database,
                query={},
            )
        ).render_as_string(hide_password=False)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def pgbouncer(database_url):
    bouncer = PgBouncer(database_url)
    yield bouncer
    bouncer.stop()
