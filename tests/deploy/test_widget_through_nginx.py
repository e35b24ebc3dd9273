"""The chat widget in Chromium through nginx, on the session's two-instance cluster.

``widget/tests/nginx.mjs`` drives Debian's headless Chromium (playwright-core, axe-core)
on the clinic's page, served on the allowed origin, whose widget loads its bundle from
nginx and talks Socket.IO through it to two Rasa instances (PostgreSQL tracker store,
Redis lock store). This module runs it on the session's cluster, points nginx at one
instance or the other when the script asks, and then checks what PostgreSQL stored and
what nginx logged. It lives here rather than in ``make test-widget`` because the
cluster it needs is this session's: no second cluster start-up.

Without Node.js, Chromium or the widget's build the browser test is skipped;
``make test-deploy`` provides all three.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy import cluster
from tests.deploy.cluster_client import EMERGENCY_NUMBER, DataServices, RunningCluster

WIDGET = cluster.REPO / "widget"
BROWSER_TEST = WIDGET / "tests" / "nginx.mjs"
CHROMIUM = Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium")
BROWSER_TIMEOUT_S = 600
SOCKETIO_POLLING = "/socket.io/?EIO=4&transport=polling"
SCREENING = ["/greet", "I have a cramp in my hamstring", "/deny", "/affirm"]
"""What the person sent in the browser test's screening, buttons as their payloads."""
ACCESS_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) \d+ '
    r'origin="(?P<origin>[^"]*)" upstream=(?P<upstream>\S+)'
)


@dataclasses.dataclass(frozen=True)
class BrowserRun:
    """What the browser script printed and reported, and what nginx logged meanwhile."""

    returncode: int
    output: str
    result: dict[str, str]
    access_log: list[dict[str, str]]

    def websockets(self, origin: str) -> list[dict[str, str]]:
        """The widget's WebSocket requests from ``origin``, as nginx logged them."""
        return [
            entry
            for entry in self.access_log
            if "transport=websocket" in entry["request"] and entry["origin"] == origin
        ]


def origin(port: int) -> str:
    """The origin of a page served on loopback ``port``."""
    return f"http://127.0.0.1:{port}"


def browser_missing() -> str | None:
    """What the browser test lacks on this machine, or None."""
    needs = {
        "Node.js": shutil.which("node") is not None,
        f"Chromium ({CHROMIUM})": CHROMIUM.exists(),
        "widget/node_modules (make widget)": (WIDGET / "node_modules").is_dir(),
        "widget/dist (make widget)": (WIDGET / "dist" / "clinic-chat.js").is_file(),
    }
    missing = [name for name, present in needs.items() if not present]
    return ", ".join(missing) or None


def read_access_log(path: Path, offset: int) -> list[dict[str, str]]:
    """The entries nginx appended to its access log after ``offset``."""
    with path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", "replace")
    return [match.groupdict() for match in ACCESS_LINE.finditer(text)]


def run_browser_test(running: RunningCluster, pages: DataServices) -> BrowserRun:
    """Run widget/tests/nginx.mjs, rerouting nginx when it asks; restore the routes."""
    access_log = running.settings.log_dir / "nginx-access.log"
    offset = access_log.stat().st_size if access_log.exists() else 0
    environment = {
        **os.environ,
        "NGINX_URL": running.nginx_url,
        "CLINIC_PAGE_PORT": str(pages.clinic_page_port),
        "OTHER_PAGE_PORT": str(pages.other_page_port),
        "EMERGENCY_NUMBER": EMERGENCY_NUMBER,
        "PY": str(cluster.VENV_BIN / "python"),
        "CHROMIUM": str(CHROMIUM),
    }
    process = subprocess.Popen(
        ["node", str(BROWSER_TEST)],
        cwd=cluster.REPO,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    watchdog = threading.Timer(BROWSER_TIMEOUT_S, process.kill)
    watchdog.start()
    output: list[str] = []
    result: dict[str, str] = {}
    try:
        for line in process.stdout:
            output.append(line)
            print(line, end="")  # shown with -s, and under a failing test
            if line.startswith("@route "):
                target = line.split()[1]
                running.route(running.indexes if target == "all" else [int(target)])
                process.stdin.write("@routed\n")
                process.stdin.flush()
            elif line.startswith("@result "):
                result = json.loads(line.removeprefix("@result "))
        returncode = process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        running.route(running.indexes)
    return BrowserRun(
        returncode, "".join(output), result, read_access_log(access_log, offset)
    )


@pytest.fixture(scope="module")
def browser_run(
    cluster_instances: RunningCluster, data_services: DataServices
) -> Iterator[BrowserRun]:
    """The browser script's run, once for this module."""
    missing = browser_missing()
    if missing:
        pytest.skip(f"the browser test needs {missing}")
    cluster_instances.ensure_up()
    yield run_browser_test(cluster_instances, data_services)


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    """What the person sent, in order."""
    return [event["text"] for event in events if event["event"] == "user"]


# --------------------------------------------------------------------------- in Chromium


def test_the_widget_chats_through_nginx_in_chromium(browser_run: BrowserRun) -> None:
    """Screening, reconnection on the other instance, emergency banner, axe-core, refusals."""
    assert browser_run.returncode == 0, browser_run.output


def test_the_conversation_is_stored_in_postgresql_under_its_web_id(
    browser_run: BrowserRun, cluster_instances: RunningCluster
) -> None:
    session = browser_run.result.get("conversation")
    assert session, browser_run.output

    # The widget's conversations are namespaced web: (channels/conversation_id.py).
    events = cluster_instances.stored(f"web:{session}")

    assert user_texts(events) == SCREENING
    assert {e["input_channel"] for e in events if e["event"] == "user"} == {"socketio"}
    said = [
        e.get("metadata", {}).get("utter_action") for e in events if e["event"] == "bot"
    ]
    assert "utter_escalate_emergency" in said
    levels = [e["value"] for e in events if e.get("name") == "triage_level"]
    assert levels[-1] == "emergency"
    assert cluster_instances.stored(session) == [], "nothing under the bare session id"


def test_a_claimed_id_without_its_token_opens_nothing(
    browser_run: BrowserRun, cluster_instances: RunningCluster
) -> None:
    claimed = browser_run.result.get("conversation")
    claimant = browser_run.result.get("claimant")
    assert claimed and claimant, browser_run.output

    own = cluster_instances.stored(f"web:{claimant}")
    other = cluster_instances.stored(f"web:{claimed}")

    assert user_texts(own) == ["/greet"]
    assert user_texts(other) == SCREENING, "the claimant's greeting went elsewhere"


def test_the_reconnection_was_served_by_the_other_instance(
    browser_run: BrowserRun,
    cluster_instances: RunningCluster,
    data_services: DataServices,
) -> None:
    """Each WebSocket lives on one instance; the signed token lets any continue it."""
    assert browser_run.returncode == 0, browser_run.output
    upgraded = [
        entry
        for entry in browser_run.websockets(origin(data_services.clinic_page_port))
        if entry["status"] == "101"
    ]
    instances = [f"127.0.0.1:{cluster_instances.settings.rasa_port(i)}" for i in (0, 1)]

    # Logged as each connection closes: the screening's two, then the claimant's.
    assert [entry["upstream"] for entry in upgraded[:2]] == instances


def test_nginx_refused_the_other_origin_before_any_instance(
    browser_run: BrowserRun, data_services: DataServices
) -> None:
    refused = browser_run.websockets(origin(data_services.other_page_port))

    assert refused, browser_run.output
    assert {(entry["status"], entry["upstream"]) for entry in refused} == {("403", "-")}


# --------------------------------------------------------------------------- over HTTP


def test_nginx_serves_the_widget_bundle_read_only(running: RunningCluster) -> None:
    if not (WIDGET / "dist" / "clinic-chat.js").is_file():
        pytest.skip("widget/dist missing (make widget)")
    running.route(running.indexes)  # nginx copies the current build
    base = f"{running.nginx_url}/widget"

    for name, content_type in (
        ("clinic-chat.js", "application/javascript"),
        ("clinic-chat.css", "text/css"),
    ):
        response = requests.get(f"{base}/{name}", timeout=10)
        assert response.status_code == 200, name
        assert response.content == (WIDGET / "dist" / name).read_bytes(), name
        assert response.headers["Content-Type"].startswith(content_type), name
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert response.headers["Cache-Control"] == "no-cache"
        assert "ETag" in response.headers
    assert requests.post(f"{base}/clinic-chat.js", timeout=10).status_code == 403
    assert requests.get(f"{base}/", timeout=10).status_code in (403, 404)
    assert requests.get(f"{base}/missing.js", timeout=10).status_code == 404


def test_socketio_through_nginx_answers_the_clinic_pages_origin_only(
    running: RunningCluster, data_services: DataServices
) -> None:
    handshake = f"{running.nginx_url}{SOCKETIO_POLLING}"
    page = origin(data_services.clinic_page_port)

    allowed = requests.get(handshake, headers={"Origin": page}, timeout=10)
    other = origin(data_services.other_page_port)
    refused = requests.get(handshake, headers={"Origin": other}, timeout=10)

    assert allowed.status_code == 200
    # One value each (requests joins repeated headers; browsers refuse repeated ones).
    assert allowed.headers["Access-Control-Allow-Origin"] == page
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_a_polling_client_stays_on_one_instance(
    running: RunningCluster, data_services: DataServices
) -> None:
    """Socket.IO's polling transport: every request must reach the instance of its sid.

    Behind a balancer that does not keep a client on one instance, some of these
    requests reach the instance that never saw the sid (a failure or a hang).
    """
    url = f"{running.nginx_url}{SOCKETIO_POLLING}"
    headers = {"Origin": origin(data_services.clinic_page_port)}
    with requests.Session() as client:
        opened = client.get(url, headers=headers, timeout=10)
        assert opened.status_code == 200 and opened.text.startswith("0"), opened.text
        url += f"&sid={json.loads(opened.text[1:])['sid']}"

        connect = client.post(url, data="40", headers=headers, timeout=10)
        assert (connect.status_code, connect.text) == (200, "OK")
        connected = client.get(url, headers=headers, timeout=10)
        assert connected.status_code == 200 and connected.text.startswith("40")
        request = '42["session_request",{}]'
        asked = client.post(url, data=request, headers=headers, timeout=10)
        assert (asked.status_code, asked.text) == (200, "OK")
        confirmed = client.get(url, headers=headers, timeout=10)
        assert confirmed.status_code == 200
        assert confirmed.text.startswith('42["session_confirm"'), confirmed.text
