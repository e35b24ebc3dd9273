"""The REST webhook in the deployments: never reachable without its bearer token.

Every Rasa that Compose and Kubernetes start gets the token from a secret (Compose's
``rest_token`` file, the Secret's ``REST_TOKEN``) and the credentials file it runs with
requires it (``require_token``), so a route to the webhook (``ingress-rest.yaml``,
nginx with ``EXPOSE_REST``) always lands on a channel that refuses requests without
the token, and Rasa does not start without one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.run import create_http_input_channels

from channels.rest import TOKEN_ENV, RestSecureInput, RestTokenMissing
from tests.deploy.manifests import DEPLOY, k8s_documents

REST_PATH = "/webhooks/rest/webhook"
REST_KEY = "channels.rest.RestSecureInput"
SECRET_FILE = f"/run/secrets/{TOKEN_ENV.lower()}"


def routes_rest(path: dict[str, Any]) -> bool:
    """Whether an Ingress path sends the REST webhook to its backend."""
    if path.get("pathType") == "Exact":
        return path["path"] == REST_PATH
    prefix = path["path"].rstrip("/")
    return prefix == REST_PATH or REST_PATH.startswith(f"{prefix}/")


def credentials_file(arguments: list[str]) -> Path | None:
    """The deploy/ credentials file a Rasa command line names (in the image: /app/)."""
    words = [str(word) for word in arguments]
    if "--credentials" not in words:
        return None
    named = Path(words[words.index("--credentials") + 1])
    return DEPLOY / named.name if named.parent.name == "deploy" else named


def requires_token(credentials: Path) -> bool:
    """Whether the credentials file's REST channel refuses to start without a token."""
    entries = yaml.safe_load(credentials.read_text()) or {}
    rest = entries.get(REST_KEY)
    if REST_KEY not in entries:
        return not {"rest", "callback"} & set(entries)  # no REST channel at all
    return isinstance(rest, dict) and rest.get("require_token") is True


def k8s_token_problem(container: dict[str, Any]) -> str | None:
    """Why a Kubernetes container's REST channel could serve without a token, or None."""
    credentials = credentials_file(
        [*container.get("command", []), *container.get("args", [])]
    )
    if credentials is None:
        return None
    given = {
        item["name"]: item.get("valueFrom", {}).get("secretKeyRef")
        for item in container.get("env", [])
    }
    if not given.get(TOKEN_ENV):
        return f"{TOKEN_ENV} is not taken from the Secret"
    if not requires_token(credentials):
        return f"{credentials.name} does not require the REST token"
    return None


def unguarded_rest_routes(documents: list[dict[str, Any]]) -> list[str]:
    """Each Ingress path to the REST webhook whose Rasa pods may serve it openly."""
    services = {
        d["metadata"]["name"]: d["spec"]["selector"]
        for d in documents
        if d["kind"] == "Service"
    }
    pods = [
        (d["metadata"]["name"], d["spec"]["template"])
        for d in documents
        if d["kind"] in ("Deployment", "StatefulSet")
    ]
    found = []
    for document in documents:
        if document["kind"] != "Ingress":
            continue
        for rule in document["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                if not routes_rest(path):
                    continue
                service = path["backend"]["service"]["name"]
                where = f"{document['metadata']['name']} {path['path']} -> {service}"
                selector = services.get(service)
                targets = [
                    (name, template)
                    for name, template in pods
                    if selector
                    and selector.items() <= template["metadata"]["labels"].items()
                ]
                if not targets:
                    found.append(f"{where}: no pods")
                for name, template in targets:
                    for container in template["spec"]["containers"]:
                        problem = k8s_token_problem(container)
                        if problem:
                            found.append(f"{where} ({name}): {problem}")
    return found


def documents() -> list[dict[str, Any]]:
    """Every Kubernetes object of deploy/k8s, ingress-rest.yaml included."""
    return [
        document for name, document in k8s_documents() if name != "kustomization.yaml"
    ]


def test_the_rest_ingress_reaches_only_rasa_that_requires_the_token() -> None:
    manifests = documents()
    ingresses = [d["metadata"]["name"] for d in manifests if d["kind"] == "Ingress"]
    assert "rasa-rest" in ingresses
    assert unguarded_rest_routes(manifests) == []


def rasa_pod(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    (rasa,) = [
        d
        for d in manifests
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "rasa"
    ]
    (container,) = rasa["spec"]["template"]["spec"]["containers"]
    return container


def test_the_check_finds_a_rest_route_without_a_token(tmp_path: Path) -> None:
    without_token = documents()
    container = rasa_pod(without_token)
    container["env"] = [e for e in container["env"] if e["name"] != TOKEN_ENV]
    assert unguarded_rest_routes(without_token) == [
        f"rasa-rest {REST_PATH} -> rasa (rasa): {TOKEN_ENV} is not taken from the Secret"
    ]

    plain = documents()
    for item in rasa_pod(plain)["env"]:
        if item["name"] == TOKEN_ENV:
            item.pop("valueFrom")
            item["value"] = ""
    assert len(unguarded_rest_routes(plain)) == 1

    open_credentials = tmp_path / "credentials.yml"
    open_credentials.write_text(f"{REST_KEY}:\n")
    not_required = documents()
    arguments = rasa_pod(not_required)["args"]
    arguments[arguments.index("--credentials") + 1] = str(open_credentials)
    problem = "credentials.yml does not require the REST token"
    assert unguarded_rest_routes(not_required) == [
        f"rasa-rest {REST_PATH} -> rasa (rasa): {problem}"
    ]

    # A catch-all path routes the webhook too.
    catch_all = documents()
    (ingress,) = [d for d in catch_all if d["metadata"]["name"] == "rasa-rest"]
    ingress["spec"]["rules"][0]["http"]["paths"][0].update(path="/", pathType="Prefix")
    rasa_pod(catch_all)["env"] = []
    assert unguarded_rest_routes(catch_all) == [
        f"rasa-rest / -> rasa (rasa): {TOKEN_ENV} is not taken from the Secret"
    ]


def test_compose_gives_rasa_the_rest_token_as_a_secret_file(
    compose: dict[str, Any],
) -> None:
    assert compose["secrets"]["rest_token"] == {"environment": TOKEN_ENV}
    assert f"{TOKEN_ENV}=" in (DEPLOY / "compose.env.example").read_text()
    rasa_services = {
        name: service
        for name, service in compose["services"].items()
        if credentials_file(service.get("command", [])) is not None
    }
    assert set(rasa_services) == {"rasa-1", "rasa-2"}
    for name, service in rasa_services.items():
        assert service["environment"][f"{TOKEN_ENV}_FILE"] == SECRET_FILE, name
        assert "rest_token" in service["secrets"], name
        assert requires_token(credentials_file(service["command"])), name


@pytest.fixture
def deployment_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """What else Rasa's channels read in a deployment; no REST token yet."""
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(f"{TOKEN_ENV}_FILE", raising=False)
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://clinic.example")
    return monkeypatch


def rest_channel(credentials: Path) -> RestSecureInput:
    """The REST channel as ``rasa run --credentials`` creates it."""
    (channel,) = [
        channel
        for channel in create_http_input_channels(None, str(credentials))
        if isinstance(channel, RestSecureInput)
    ]
    return channel


def test_rasa_does_not_start_the_production_rest_channel_without_a_token(
    deployment_env: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(RestTokenMissing, match=TOKEN_ENV):
        create_http_input_channels(None, str(DEPLOY / "credentials.prod.yml"))


def test_the_production_rest_channel_takes_the_token_from_the_secret_file(
    deployment_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "rest_token"
    secret.write_text("rest-token-from-the-file\n")
    deployment_env.setenv(f"{TOKEN_ENV}_FILE", str(secret))
    channel = rest_channel(DEPLOY / "credentials.prod.yml")
    assert channel.token == "rest-token-from-the-file"

    secret.write_text("")
    with pytest.raises(ValueError, match="empty"):
        rest_channel(DEPLOY / "credentials.prod.yml")


def test_make_run_may_still_run_the_rest_channel_without_a_token(
    deployment_env: pytest.MonkeyPatch,
) -> None:
    """``REST_OPEN=1`` with ``make run`` (local development, README): no token."""
    channel = rest_channel(DEPLOY.parent / "credentials.yml")
    assert channel.token is None
