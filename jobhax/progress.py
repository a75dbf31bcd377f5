"""Progress of long CLI work (seed-demo, refresh-reports, migrate): a bar on a terminal, silence elsewhere.

The work itself takes a ``progress`` factory, called as ``progress(total=..., desc=..., unit=...)`` and
returning a context manager with ``update(n)`` (a tqdm bar); :func:`silent` by default.
"""

import sys

from tqdm import tqdm


def terminal_bar(**options):
    """A tqdm bar on stderr, disabled when stderr is not a terminal (pipes, log files, CI)."""
    return tqdm(file=sys.stderr, disable=None, dynamic_ncols=True, **options)


def silent(**options):
    return tqdm(disable=True, **options)
