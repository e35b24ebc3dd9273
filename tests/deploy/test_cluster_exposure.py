"""What the cluster exposes: nginx's routes, Rasa's API, its processes' secrets.

nginx serves the widget's socket, the REST webhook (with its token) and its health
check, and hides Rasa's HTTP API, which each instance refuses without its token; every
process reads its secrets from owner-only files, as Compose gives them, none in its
environment or arguments (deploy/README.md, "Who can reach what"). On the session's
cluster (``running``); after the console's tests, so the keys of the audit key's
rotation are among the secrets looked for.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import requests

from channels.conversation_id import conversation_id
from deploy import cluster
from tests.deploy.cluster_client import RunningCluster


def test_nginx_serves_socketio_and_health_and_hides_the_api(
    running: RunningCluster,
) -> None:
    base = running.nginx_url
    sender = f"nginx-{uuid.uuid4().hex[:8]}"

    assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
    reply = requests.post(
        f"{base}/webhooks/rest/webhook",
        json={"sender": sender, "message": "hello"},
        headers=running.rest_headers(sender),
        timeout=60,
    )
    assert reply.status_code == 200
    unauthorised = requests.post(
        f"{base}/webhooks/rest/webhook",
        json={"sender": f"{sender}-x", "message": "hello"},
        headers={"X-Conversation-Id": f"{sender}-x"},
        timeout=60,
    )
    assert unauthorised.status_code == 401
    polling = f"{base}/socket.io/?EIO=4&transport=polling"
    assert requests.get(polling, timeout=10).status_code == 200
    allowed = {"Origin": "https://clinic.example"}
    assert requests.get(polling, headers=allowed, timeout=10).status_code == 200
    foreign = {"Origin": "https://elsewhere.example"}
    assert requests.get(polling, headers=foreign, timeout=10).status_code == 403
    token = {"token": running.secrets.rasa_api_token}
    tracker = f"/conversations/{conversation_id('rest', sender)}/tracker"
    for path in (tracker, "/status", "/model/parse"):
        assert (
            requests.get(f"{base}{path}", params=token, timeout=10).status_code == 404
        )
    too_big = requests.post(
        f"{base}/webhooks/rest/webhook",
        data=b"x" * 10_000,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert too_big.status_code == 413


def test_instances_refuse_the_http_api_without_the_token(
    running: RunningCluster,
) -> None:
    response = requests.get(
        f"{running.instance_url(0)}/conversations/x/tracker", timeout=10
    )
    assert response.status_code == 401


def test_processes_read_their_secrets_from_owner_only_files(
    running: RunningCluster,
) -> None:
    """As Compose gives them: no secret in a process's environment or arguments.

    Each process's environment names files (``<NAME>_FILE``) that only their owner can
    read; the instances answering (the fixture waited for them) shows that each read
    its own through the code deployments run.
    """
    values = {
        name: value
        for name, value in dataclasses.asdict(running.secrets).items()
        # PostgreSQL's own, given to initdb; and the keys of a rotation not yet made.
        if name != "postgres_superuser_password" and value
    }
    for process in ("rasa-0", "actions-0", "console"):
        pid = cluster.read_pid(running.settings.run_dir / f"{process}.pid")
        assert cluster.pid_alive(pid), process
        seen = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
        seen += Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert [name for name, value in values.items() if value in seen] == [], process
        assert "_FILE=" in seen, process
    folder = running.settings.state_dir / "secrets"
    assert folder.stat().st_mode & 0o777 == 0o700
    files = {path.name: path for path in folder.iterdir()}
    assert {
        "tracker_db_password",
        "redis_password",
        "action_server_token",
        "widget_session_secret",
        "rasa_auth_token",
        "rest_token",
        "console_db_password",
        "console_audit_key",
    } <= set(files)
    for path in files.values():
        assert path.stat().st_mode & 0o777 == 0o600, path.name
