"""A throw-away PostgreSQL server from Debian's packages, for the PostgreSQL tests.

``deploy/install-debs.sh`` installs the server (``make test-console`` runs it). The
server is the deployment's own (``deploy/cluster/data.py``: password authentication,
127.0.0.1 only), so the console is tested against PostgreSQL as it is deployed; that
module and ``supervisor/process.py`` import only the standard library, so the console's
environment runs them as they are. The cluster lives in a temporary folder and is
stopped and removed after the tests; each test that writes takes a database of its own
(:func:`fresh_database`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

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


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server of ``server_url``; return its URL."""
    name = f"console_{secrets.token_hex(6)}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return (
        sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    )
