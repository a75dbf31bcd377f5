import logging
import subprocess
from importlib import metadata

from pyramid.view import view_config
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from jobhax.api import PUBLIC
from jobhax.config import PROJECT_ROOT
from jobhax.migrations import is_at_head

log = logging.getLogger(__name__)


def _package_version():
    try:
        return metadata.version("jobhax")
    except metadata.PackageNotFoundError:
        return "unknown"


def _commit():
    try:
        return (
            subprocess.run(
                # git from PATH, as a developer or the deploy image has it; no git: no commit shown.
                ["git", "rev-parse", "HEAD"],  # noqa: S607
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        return None


VERSION = {"version": _package_version(), "commit": _commit()}


@view_config(route_name="lbheartbeat", request_method="GET", renderer="json", permission=PUBLIC)
def lbheartbeat(request):
    return {}


@view_config(route_name="version", request_method="GET", renderer="json", permission=PUBLIC)
def version(request):
    return VERSION


@view_config(route_name="heartbeat", request_method="GET", renderer="json", permission=PUBLIC)
def heartbeat(request):
    """Checked on its own connection, outside the request transaction, with a short timeout."""
    checks = {"database": False, "migrations": False}
    try:
        with request.registry["engine"].connect() as connection:
            connection.execute(text("SET LOCAL statement_timeout = '2s'"))
            connection.execute(text("SELECT 1"))
            checks["database"] = True
            checks["migrations"] = is_at_head(connection)
    except SQLAlchemyError as error:
        log.warning("heartbeat: database check failed: %s", type(error).__name__)
    request.response.status = 200 if all(checks.values()) else 503
    return checks
