"""The safety console in the cluster: reached through nginx only, its audit key rotated.

The console runs beside the assistant on the session's cluster (``running``), its
tables in the cluster's PostgreSQL; staff sign in through nginx's console port and read
a conversation the REST channel stored, and ``make cluster-rotate-audit-key``'s
rotation is run against it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from channels.conversation_id import conversation_id
from deploy import cluster
from tests.deploy.cluster_client import RunningCluster


class StaffBrowser:
    """A member of staff's browser on the console, through nginx.

    The console's cookies are Secure. Browsers keep those on http://127.0.0.1 (a
    secure context); Python's cookie jar sends them over HTTPS only, so this client
    carries them itself.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request with the cookies kept so far; keep the ones it sets."""
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = requests.request(
            method,
            f"{self.base}{path}",
            headers={"Cookie": cookie},
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def sign_in(self, username: str, password: str) -> requests.Response:
        """Open the login form and post it with its CSRF token."""
        form = self.request("GET", "/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "no CSRF token in the login form"
        return self.request(
            "POST",
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": token.group(1),
                "next": "/",
            },
        )


def listening_addresses(port: int) -> set[str]:
    """The local addresses (IPv4 and IPv6, hex as /proc shows them) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_console_answers_through_nginx_and_shows_a_rest_conversation(
    running: RunningCluster,
) -> None:
    """Staff sign in through nginx and read a conversation the REST channel stored."""
    password = "cluster admin password"
    created = cluster.run_console_command(
        running.settings,
        running.secrets,
        ["create-user", "clinician", "--role", "admin", "--password-stdin"],
        stdin_text=f"{password}\n",
    )
    assert created == 0
    sender = f"console-{uuid.uuid4().hex[:8]}"
    reply = requests.post(
        f"{running.nginx_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "what causes hamstring cramps"},
        headers=running.rest_headers(sender),
        timeout=120,
    )
    assert reply.status_code == 200 and reply.json()
    browser = StaffBrowser(running.console_url)

    form = browser.request("GET", "/login")
    assert form.status_code == 200
    assert form.headers["Server"] == "nginx"  # no version
    assert "frame-ancestors 'none'" in form.headers["Content-Security-Policy"]
    assert browser.request("GET", "/conversations").status_code == 303
    assert browser.sign_in("clinician", "not the password").status_code == 401
    assert browser.sign_in("clinician", password).status_code == 303
    conversation = conversation_id("rest", sender)
    assert conversation in browser.request("GET", "/conversations").text
    transcript = browser.request(
        "GET", f"/conversations/{quote(conversation, safe='')}"
    )
    assert transcript.status_code == 200
    assert "what causes hamstring cramps" in transcript.text

    audit = browser.request("GET", "/admin/audit").text
    assert 'id="chain" role="status">Chain intact' in audit
    assert "view_transcript" in audit and conversation in audit
    assert (
        cluster.run_console_command(running.settings, running.secrets, ["verify-audit"])
        == 0
    )


def test_the_console_is_reached_through_nginx_only(running: RunningCluster) -> None:
    """It listens on loopback; nginx's console port serves the console and nothing else."""
    assert listening_addresses(running.settings.console_port) == {"0100007F"}
    assert requests.get(f"{running.nginx_url}/login", timeout=10).status_code == 404
    for path in ("/webhooks/rest/webhook", "/socket.io/?EIO=4&transport=polling"):
        answer = requests.get(f"{running.console_url}{path}", timeout=10)
        assert answer.status_code in (303, 404), path
        assert "sid" not in answer.text
    assert requests.get(f"{running.console_url}/healthz", timeout=10).text == "ok"


def anchor_key_ids(settings: cluster.ClusterSettings) -> list[str]:
    """The ids of the keys that signed the console's anchors, oldest first."""
    anchors = settings.state_dir / "console-audit-anchors.log"
    return [json.loads(line)["key_id"] for line in anchors.read_text().splitlines()]


def create_admin(running: RunningCluster, name: str, password: str) -> None:
    """An admin account, made by the console's command on the cluster's databases."""
    created = cluster.run_console_command(
        running.settings,
        running.secrets,
        ["create-user", name, "--role", "admin", "--password-stdin"],
        stdin_text=f"{password}\n",
    )
    assert created == 0


def test_the_console_audit_key_rotates_in_the_clusters_postgresql(
    running: RunningCluster,
) -> None:
    """What make cluster-rotate-audit-key does, on the session's cluster.

    The log in PostgreSQL is handed over, the console restarted with the new key audits
    again, the old entries and anchors still verify.
    """
    settings, old = running.settings, running.secrets
    create_admin(running, f"rotator-{uuid.uuid4().hex[:6]}", "rotation admin password")
    verify = ["verify-audit", "--anchor"]
    assert cluster.run_console_command(settings, old, verify) == 0
    old_pid = cluster.read_pid(settings.run_dir / "console.pid")
    old_anchors = anchor_key_ids(settings)

    rotated = cluster.rotate_audit_key(settings, old)
    running.secrets = rotated  # the later tests' console commands

    assert cluster.Secrets.load_or_create(settings.state_dir) == rotated
    assert rotated.console_audit_key != old.console_audit_key
    assert rotated.console_audit_keys_retired.splitlines()[0] == old.console_audit_key
    assert rotated.console_audit_key_next == ""
    new_pid = cluster.read_pid(settings.run_dir / "console.pid")
    assert new_pid != old_pid and cluster.pid_alive(new_pid)
    # The restarted console anchored on start, with the new key.
    (new_key_id,) = set(anchor_key_ids(settings)) - set(old_anchors)
    assert anchor_key_ids(settings)[: len(old_anchors)] == old_anchors
    # It audits again: a login and the audit page through nginx.
    name = f"after-{uuid.uuid4().hex[:6]}"
    create_admin(running, name, "after rotation password")
    browser = StaffBrowser(running.console_url)
    assert browser.sign_in(name, "after rotation password").status_code == 303
    audit = browser.request("GET", "/admin/audit").text
    assert 'id="chain" role="status">Chain intact' in audit
    assert "audit_key_rotated" in audit and 'id="anchor-untrusted"' not in audit
    assert cluster.run_console_command(settings, rotated, verify) == 0
    assert anchor_key_ids(settings)[-1] == new_key_id
    # Without the retired key, the entries it sealed cannot be verified.
    alone = dataclasses.replace(rotated, console_audit_keys_retired="")
    assert cluster.run_console_command(settings, alone, ["verify-audit"]) == 1


def test_a_rotation_cut_short_after_its_handover_is_finished(
    running: RunningCluster,
) -> None:
    """The new key is kept in secrets.json before the console's handover.

    A rotation that stopped after the handover loses no key, and the next one puts it
    in use, then rotates.
    """
    settings, before = running.settings, running.secrets
    staged = dataclasses.replace(before, console_audit_key_next="k" * 40)
    staged.save(settings.state_dir)
    handed_over = cluster.run_console_command(
        settings,
        staged,
        ["rotate-audit-key", "--new-key-stdin"],
        stdin_text=staged.console_audit_key_next + "\n",
    )
    assert handed_over == 0  # and then the rotation stopped

    rotated = cluster.rotate_audit_key(
        settings, cluster.Secrets.load_or_create(settings.state_dir)
    )
    running.secrets = rotated

    retired = rotated.console_audit_keys_retired.splitlines()
    assert retired[:2] == ["k" * 40, before.console_audit_key]
    assert rotated.console_audit_key not in ("k" * 40, before.console_audit_key)
    assert cluster.run_console_command(settings, rotated, ["verify-audit"]) == 0
    browser = StaffBrowser(running.console_url)
    assert browser.sign_in("nobody", "no password at all").status_code == 401
