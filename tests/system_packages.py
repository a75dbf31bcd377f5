"""Debian packages a test needs (chromium, nodejs, npm), installed on first use where the machine allows.

A test calls :func:`require` and is skipped, with the reason shown in the summary (``-ra``), only where
the package cannot be had: not root, no apt-get, or apt-get failing (no network to the package archive).
"""

import os
import shutil
import subprocess
import threading

import pytest

_lock = threading.Lock()
_updated = []


def require(executable, package):
    """The path of ``executable``, installing Debian's ``package`` when it is missing; else skip."""
    path = shutil.which(executable)
    if path:
        return path
    with _lock:
        reason = _install(package)
    path = shutil.which(executable)
    if path is None:
        pytest.skip(f"{executable} is not available and Debian's {package} could not be installed: {reason}")
    return path


def _install(package):
    if shutil.which("apt-get") is None:
        return "no apt-get on this machine"
    if os.geteuid() != 0:
        return "apt-get needs root"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    steps = [["apt-get", "update", "-q"]] if not _updated else []
    steps.append(["apt-get", "install", "-y", "-q", package])
    for step in steps:
        try:
            result = subprocess.run(step, env=env, capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            return f"{' '.join(step)} timed out"
        if result.returncode != 0:
            return f"{' '.join(step)} failed: {result.stderr.strip()[-300:]}"
        if step[1] == "update":
            _updated.append(True)
    return "installed"
