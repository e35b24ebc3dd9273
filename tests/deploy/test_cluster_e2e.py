"""The project's conversation suite through nginx against the cluster ``make cluster`` runs.

The cluster is started by ``deploy.cluster.start_cluster``, the function behind
``make cluster``, with the production nginx policy (body size, rate limit) and the REST
webhook routed (``EXPOSE_REST=1``): PostgreSQL tracker store, Redis lock store, two Rasa
instances, two action servers (and the safety console, when console/.venv exists). It
runs after the other deployment tests and stops the session's cluster first, so every
process starts as ``make cluster`` starts it. Every case of ``tests/e2e/*.yml`` (fixtures included)
sends its messages through nginx with the cluster's REST token and its
``X-Conversation-Id``, so the cases are spread over both instances, and reads the
conversation from instance 0's HTTP API, which nginx does not route (the instances
share the tracker store). nginx's per-client rate limit sees the runner, four
conversations at machine speed from one address, as one client: a message it refuses
(HTTP 429, before Rasa sees it) is sent again a moment later. Any failing case fails
the test; the reports are written to ``reports/e2e-cluster/``.

The whole suite runs, not a subset: one to two and a half minutes on a 2-core
machine, start-up included (most of it; the cases take 25-40 s). The three cases of
``tests/e2e/rasa_pro_stubs.yml`` are skipped (the runner skips them without
``--stub-port`` and says so, which the test checks), because running them would mean
running the cluster in a configuration production does not run. A stubbed action is
answered by the runner's stub server, so Rasa's ``action_endpoint`` must point at it:
here that is ``url: ${ACTION_SERVER_URL}`` in ``deploy/endpoints.prod.yml``, which
``make cluster`` sets for each instance to its own action server
(``deploy/cluster/instances.py``, ``service_env``). Pointing it at the stub server would
put a test process between every instance and its action server, both instances
funnelled to the one action server the stub forwards to (``--actions-url``), for the
whole suite or for a second start-up of a cluster changed for three cases, and the
cases would check replies production never gives (the stub's text instead of
``action_handle_fallback``'s). They test the runner's stubbing, not the deployment:
``make test-e2e-suite`` and ``tests/e2e/test_runner_live.py`` run them against real
servers with the stub server in front of the action server.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import pytest
from ruamel.yaml import YAML

from deploy import cluster
from deploy.cluster.settings import NGINX_DEFAULTS
from e2e.case_files import load_suite
from tests.deploy.cluster_client import stop_started
from tests.e2e.utils.cli import run_e2e
from tests.e2e.utils.settings import CASES
from tests.helpers.paths import REPO_ROOT

REPORTS = REPO_ROOT / "reports" / "e2e-cluster"


@pytest.fixture(scope="module")
def production_cluster(data_services: Any) -> Iterator[cluster.ClusterSettings]:
    """``make cluster`` on the session's data services, nginx with its own defaults."""
    # nginx's defaults that the cluster's settings carry; the REST webhook stays routed.
    carried = {field.name for field in dataclasses.fields(cluster.ClusterSettings)}
    production_policy = {
        name: value
        for name, value in NGINX_DEFAULTS.items()
        if name in carried and name != "expose_rest"
    }
    settings = dataclasses.replace(data_services.settings, **production_policy)
    if not settings.model.exists():
        pytest.skip(f"{settings.model} missing (make test-deploy trains it first)")
    # The session's cluster, if an earlier test started it (this test runs last):
    # start_cluster then starts every instance afresh, as make cluster does.
    stop_started(settings)
    try:
        cluster.start_cluster(settings)
        yield settings
    finally:
        # What start_cluster started; the session's data services stay.
        stop_started(settings)


@pytest.mark.stops_instances
def test_every_project_case_passes_through_nginx(
    production_cluster: cluster.ClusterSettings, data_services: Any
) -> None:
    settings = production_cluster
    secrets = data_services.secrets
    env = dict(
        os.environ,
        E2E_TOKEN=secrets.rasa_api_token,
        # What the instances take (deploy/cluster/instances.py).
        E2E_REST_TOKEN=os.environ.get("REST_TOKEN") or secrets.rest_token,
    )
    env.pop("E2E_STUB_PORT", None)  # the cluster calls its own action servers
    completed = run_e2e(
        "run",
        str(CASES),
        "--url",
        f"http://127.0.0.1:{settings.nginx_port}",
        "--api-url",
        f"http://127.0.0.1:{settings.rasa_port(0)}",
        "--workers",
        "4",
        "--junit",
        str(REPORTS / "junit.xml"),
        "--html",
        str(REPORTS / "report.html"),
        "--e2e-results",
        str(REPORTS),
        env=env,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    results = YAML(typ="safe").load((REPORTS / "e2e_results.yml").read_text())
    statuses = {entry["name"]: entry["status"] for entry in results["test_results"]}
    suite = load_suite([CASES])
    stubbed = {case.name for case in suite.cases if case.stubs}
    assert set(statuses) == {case.name for case in suite.cases} - stubbed, output
    assert set(statuses.values()) == {"passed"}, output
    assert f"{len(stubbed)} case(s) stub custom actions" in output
