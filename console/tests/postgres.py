"""A throw-away PostgreSQL server from Debian's packages, for the PostgreSQL tests.

``deploy/install-debs.sh`` installs the server (``make test-console`` runs it). The
server is the deployment's own (``deploy/cluster/data.py``: password authentication,
127.0.0.1 only), so the console is tested against PostgreSQL as it is deployed; that
module and ``supervisor/process.py`` import only the standard library, so the console's
environment runs them as they are. The cluster lives in a temporary folder and is
stopped and removed after the tests.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.cluster.data import Postgres
from supervisor.process import free_port


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield the SQLAlchemy URL of its ``postgres`` database.

    The folder is made outside pytest's (root-only) temporary folders and given to the
    ``postgres`` user, so that the server can reach its data and initdb its password
    file.
    """
    work = Path(tempfile.mkdtemp(prefix="console-postgres-"))
    if os.getuid() == 0:
        shutil.chown(work, "postgres")
    password = secrets.token_urlsafe(16)
    server = Postgres(work / "pgdata", free_port(), password)
    server.start(work / "server.log")
    try:
        yield f"postgresql+psycopg2://postgres:{password}@127.0.0.1:{server.port}/postgres"
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
