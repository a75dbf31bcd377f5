import json
import subprocess
import sys

from sqlalchemy import select

from jobhax.accounts.models import OAuthClient
from jobhax.accounts.secrets import digest


def run_cli(settings, *args):
    env = {"JOBHAX_DATABASE_URL": settings["sqlalchemy.url"], "JOBHAX_SECRET_KEY": settings["jobhax.secret_key"],
           "JOBHAX_VAR_DIR": settings["jobhax.var_dir"], "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "jobhax.cli", "--ini", "development.ini", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_create_client_prints_credentials_once_and_stores_a_hash(settings, db, testapp):
    result = run_cli(settings, "create-client", "--name", "mobile app")
    assert result.returncode == 0, result.stderr
    credentials = json.loads(result.stdout)
    stored = db.scalar(select(OAuthClient).where(OAuthClient.client_id == credentials["client_id"]))
    assert stored.name == "mobile app"
    assert stored.secret_hash == digest(credentials["client_secret"])
    assert credentials["client_secret"] not in stored.secret_hash


def test_migrate_is_idempotent(settings):
    result = run_cli(settings, "migrate")
    assert result.returncode == 0, result.stderr


def test_production_requires_a_secret_key(settings):
    env_settings = dict(settings, **{"jobhax.secret_key": ""})
    result = subprocess.run([sys.executable, "-m", "jobhax.cli", "--ini", "production.ini", "migrate"],
                            capture_output=True, text=True, timeout=60,
                            env={"JOBHAX_DATABASE_URL": env_settings["sqlalchemy.url"], "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "JOBHAX_SECRET_KEY" in result.stderr
