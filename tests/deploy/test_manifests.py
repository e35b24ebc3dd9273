"""The deployment files: parsed, checked for structure and policy.

Validated where a validator exists (Rasa's own endpoint reader, ``nginx -t``,
kubernetes-validate).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy import cluster, nginx
from supervisor import rasa_entry

DEPLOY = cluster.DEPLOY
K8S = DEPLOY / "k8s"
KUBE_VALIDATE = cluster.REPO / "var" / "deploy-tools" / "bin" / "kubernetes-validate"
PROD_ENV = {
    "TRACKER_DB_HOST": "db.internal",
    "TRACKER_DB_PORT": "5433",
    "TRACKER_DB_NAME": "rasa",
    "TRACKER_DB_USER": "rasa",
    "TRACKER_DB_PASSWORD": "s3cret:#with/odd chars",
    "REDIS_HOST": "redis.internal",
    "REDIS_PORT": "6380",
    "REDIS_PASSWORD": "r3dis",
    "ACTION_SERVER_URL": "http://actions:5055/webhook",
    "ACTION_SERVER_TOKEN": "act10n-t0ken",
}


def endpoint_variables() -> set[str]:
    """The environment variables that deploy/endpoints.prod.yml expands."""
    lines = (DEPLOY / "endpoints.prod.yml").read_text().splitlines()
    values = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{([A-Z_]+)\}", values))


def k8s_documents() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) of every manifest in deploy/k8s."""
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((path.name, document))
    return documents


def workloads() -> list[tuple[str, dict[str, Any]]]:
    """(name, pod spec) of every Deployment, StatefulSet and CronJob."""
    found = []
    for _, document in k8s_documents():
        kind = document["kind"]
        if kind in ("Deployment", "StatefulSet"):
            found.append((document["metadata"]["name"], document["spec"]["template"]))
        elif kind == "CronJob":
            found.append(
                (
                    document["metadata"]["name"],
                    document["spec"]["jobTemplate"]["spec"]["template"],
                )
            )
    return found


# --------------------------------------------------------------------------- Rasa files


def test_prod_endpoints_expand_the_environment_as_rasa_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.core.utils import AvailableEndpoints

    for name, value in PROD_ENV.items():
        monkeypatch.setenv(name, value)

    endpoints = AvailableEndpoints.read_endpoints(str(DEPLOY / "endpoints.prod.yml"))

    assert endpoints.tracker_store.type == "SQL"
    assert endpoints.tracker_store.url == "db.internal"
    assert endpoints.tracker_store.kwargs["dialect"] == "postgresql"
    assert endpoints.tracker_store.kwargs["password"] == PROD_ENV["TRACKER_DB_PASSWORD"]
    assert str(endpoints.tracker_store.kwargs["port"]) == "5433"
    assert endpoints.lock_store.type == "stores.redis_lock_store.AtomicRedisLockStore"
    assert endpoints.lock_store.url == "redis.internal"
    assert endpoints.lock_store.kwargs["password"] == "r3dis"
    assert endpoints.action.url == PROD_ENV["ACTION_SERVER_URL"]
    assert endpoints.action.token == PROD_ENV["ACTION_SERVER_TOKEN"]


def test_prod_endpoints_refuse_to_load_with_a_variable_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.core.utils import AvailableEndpoints

    for name, value in PROD_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TRACKER_DB_PASSWORD")

    with pytest.raises(Exception, match="TRACKER_DB_PASSWORD"):
        AvailableEndpoints.read_endpoints(str(DEPLOY / "endpoints.prod.yml"))


def test_prod_credentials_offer_socketio_with_session_persistence() -> None:
    credentials = yaml.safe_load((DEPLOY / "credentials.prod.yml").read_text())
    socket = credentials["channels.socketio.ClinicSocketIOInput"]
    assert socket["session_persistence"] is True
    assert "channels.rest.RestSecureInput" in credentials


# --------------------------------------------------------------------------- nginx


def nginx_test(tmp_path: Path, site_config: str) -> subprocess.CompletedProcess:
    """Run ``nginx -t`` on a full configuration around a rendered site."""
    site = tmp_path / "site.conf"
    site.write_text(site_config)
    main = tmp_path / "nginx.conf"
    main.write_text(
        nginx.render_main(
            site_config=site,
            pid_file=tmp_path / "nginx.pid",
            temp_dir=tmp_path,
            log_dir=tmp_path,
            user=None,
        )
    )
    return subprocess.run(
        ["nginx", "-t", "-c", str(main), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("expose_rest", [False, True])
def test_nginx_config_passes_nginx_t(tmp_path: Path, expose_rest: bool) -> None:
    cluster.install_debian_packages()
    options = nginx.NginxOptions(
        listen="127.0.0.1:18080",
        rasa_servers=("127.0.0.1:15005", "127.0.0.1:15006"),
        expose_rest=expose_rest,
        cors_origins=("https://clinic.example", "http://localhost:3000"),
    )
    completed = nginx_test(tmp_path, nginx.render_site(options))
    assert completed.returncode == 0, completed.stderr


def test_nginx_config_check_can_fail(tmp_path: Path) -> None:
    cluster.install_debian_packages()
    options = nginx.NginxOptions(
        listen="127.0.0.1:18080",
        rasa_servers=("127.0.0.1:15005",),
        client_max_body_size="lots",
    )
    assert nginx_test(tmp_path, nginx.render_site(options)).returncode != 0


def test_rest_webhook_is_public_only_when_configured() -> None:
    private = nginx.render_site(
        nginx.NginxOptions(listen="80", rasa_servers=("a:5005",))
    )
    public = nginx.render_site(
        nginx.NginxOptions(listen="80", rasa_servers=("a:5005",), expose_rest=True)
    )
    assert "/webhooks/rest/webhook" not in private
    assert "location = /webhooks/rest/webhook" in public


def test_nginx_policy_sticky_limited_and_api_free() -> None:
    site = nginx.render_site(nginx.COMPOSE_OPTIONS)
    assert "hash $remote_addr consistent;" in site
    assert "hash $rest_affinity consistent;" in site
    assert re.search(r"client_max_body_size \S+;", site)
    assert "limit_req zone=rasa_per_client" in site
    locations = re.findall(r"location\s+(=\s+)?(\S+)\s*\{", site)
    assert {path for _, path in locations} == {
        "/healthz",
        "/socket.io/",
        "/widget/",
        "/",
    }


def test_nginx_refuses_a_malformed_origin() -> None:
    with pytest.raises(ValueError):
        nginx.render_site(
            nginx.NginxOptions(
                listen="80", rasa_servers=("a:5005",), cors_origins=('x" 0; }',)
            )
        )


def test_nginx_refuses_a_widget_folder_it_cannot_quote() -> None:
    for root in ("widget/dist", '/srv/x"; }', "/srv/$host"):
        with pytest.raises(ValueError):
            nginx.render_widget_server(listen="80", widget_root=root)


def test_widget_server_config_passes_nginx_t(tmp_path: Path) -> None:
    cluster.install_debian_packages()
    site = nginx.render_widget_server(listen="127.0.0.1:18081")
    completed = nginx_test(tmp_path, site)
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("name", sorted(nginx.RENDERINGS))
def test_committed_nginx_configs_are_the_current_renderings(name: str) -> None:
    committed = (DEPLOY / "nginx" / f"{name}.conf").read_text()
    assert committed == nginx.RENDERINGS[name](), (
        f"regenerate: python -m deploy.nginx {name} > deploy/nginx/{name}.conf"
    )


# --------------------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_runs_two_rasa_instances_behind_nginx(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "actions", "rasa-1", "rasa-2", "nginx"} <= set(
        services
    )
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["nginx"]
    assert compose["networks"]["backend"]["internal"] is True
    for name in ("rasa-1", "rasa-2"):
        command = services[name]["command"]
        assert "--enable-api" in command
        assert "/app/deploy/logging.yml" in command


def test_compose_services_have_health_checks(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "jobs" not in service.get("profiles", []):
            assert "healthcheck" in service, name


def test_compose_secrets_come_from_the_environment(compose: dict[str, Any]) -> None:
    environment = compose["services"]["rasa-1"]["environment"]
    assert environment["RASA_TELEMETRY_ENABLED"] == "false"
    for key in ("TRACKER_DB_PASSWORD", "REDIS_PASSWORD"):
        assert environment[key].startswith("${" + key + ":?")
    needed = endpoint_variables()
    assert needed <= set(environment)


def test_compose_nginx_mounts_the_rendered_config(compose: dict[str, Any]) -> None:
    (volume,) = compose["services"]["nginx"]["volumes"]
    source = volume.split(":")[0]
    assert (DEPLOY / source).is_file()


def test_the_web_image_holds_the_widget_where_nginx_serves_it(
    compose: dict[str, Any],
) -> None:
    """The nginx of docker-compose and the widget Deployment run the ``web`` image."""
    assert compose["services"]["nginx"]["build"]["target"] == "web"
    image = compose["services"]["nginx"]["image"]
    (widget,) = [template for name, template in workloads() if name == "widget"]
    assert widget["spec"]["containers"][0]["image"] == image
    copies = [
        arguments.split()
        for instruction, arguments in dockerfile_instructions("web")
        if instruction == "COPY"
    ]
    bundle = ["widget/dist/clinic-chat.js", "widget/dist/clinic-chat.css"]
    assert [*bundle, f"{nginx.WIDGET_IMAGE_ROOT}/"] in copies
    assert ["deploy/nginx/widget.conf", "/etc/nginx/conf.d/default.conf"] in copies
    for rendering in ("compose.conf", "widget.conf"):
        site = (DEPLOY / "nginx" / rendering).read_text()
        assert f'alias "{nginx.WIDGET_IMAGE_ROOT}/";' in site, rendering


# --------------------------------------------------------------------------- kubernetes


def test_kustomization_lists_existing_manifests() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    assert "secret.example.yaml" not in kustomization["resources"]


def test_k8s_manifests_pass_the_kubernetes_schema() -> None:
    if not KUBE_VALIDATE.exists():
        pytest.skip("kubernetes-validate missing: make deploy-tools")
    manifests = sorted(
        str(p) for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"
    )
    completed = subprocess.run(
        [str(KUBE_VALIDATE), "--strict", "--quiet", *manifests],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_k8s_schema_check_can_fail(tmp_path: Path) -> None:
    if not KUBE_VALIDATE.exists():
        pytest.skip("kubernetes-validate missing: make deploy-tools")
    broken = yaml.safe_load((K8S / "rasa.yaml").read_text().split("---")[1])
    broken["spec"]["replicas"] = "two"
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    completed = subprocess.run(
        [str(KUBE_VALIDATE), "--strict", "--quiet", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0


def test_k8s_long_running_containers_have_probes_and_limits() -> None:
    probes = {"rasa": "/", "actions": "/health", "widget": "/widget/clinic-chat.js"}
    for name, template in workloads():
        for container in template["spec"]["containers"]:
            assert "memory" in container["resources"]["limits"], name
            if name in probes:
                for probe in ("readinessProbe", "livenessProbe"):
                    assert container[probe]["httpGet"]["path"] == probes[name], (
                        name,
                        probe,
                    )
            elif name != "conversation-retention":
                assert "readinessProbe" in container and "livenessProbe" in container, (
                    name
                )


def test_k8s_config_and_secret_references_exist() -> None:
    documents = {
        document["metadata"]["name"]: document
        for _, document in k8s_documents()
        if document["kind"] in ("ConfigMap", "Secret")
    }
    text = "".join(path.read_text() for path in K8S.glob("*.yaml"))
    for kind, name, key in re.findall(
        r"(configMapKeyRef|secretKeyRef): \{name: ([\w-]+), key: (\w+)\}", text
    ):
        section = "data" if kind == "configMapKeyRef" else "stringData"
        assert key in documents[name][section], (name, key)
    config = documents["hamstring-config"]["data"]
    assert config["RASA_TELEMETRY_ENABLED"] == "false"
    needed = endpoint_variables()
    assert needed <= set(config) | set(documents["hamstring-secrets"]["stringData"])


def test_k8s_services_select_existing_pods() -> None:
    pod_labels = [template["metadata"]["labels"] for _, template in workloads()]
    for _, document in k8s_documents():
        if document["kind"] == "Service":
            selector = document["spec"]["selector"]
            assert any(selector.items() <= labels.items() for labels in pod_labels), (
                selector
            )


def test_k8s_ingress_is_sticky_and_exposes_socketio_only() -> None:
    (ingress,) = [d for f, d in k8s_documents() if f == "ingress.yaml"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/upstream-hash-by"] == "$remote_addr"
    assert "nginx.ingress.kubernetes.io/proxy-body-size" in annotations
    assert "nginx.ingress.kubernetes.io/limit-rps" in annotations
    paths = [
        p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]
    ]
    assert paths == ["/socket.io/"]


def test_k8s_widget_ingress_routes_the_bundle_only_to_the_widget_server() -> None:
    (ingress,) = [
        d for f, d in k8s_documents() if f == "widget.yaml" and d["kind"] == "Ingress"
    ]
    routes = [
        (p["path"], p["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    ]
    assert routes == [("/widget/", "widget")]
    policies = {
        d["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]: d
        for _, d in k8s_documents()
        if d["kind"] == "NetworkPolicy"
    }
    (allowed,) = policies["widget"]["spec"]["ingress"]
    assert allowed["from"] == policies["rasa"]["spec"]["ingress"][0]["from"]


def test_k8s_retention_job_runs_the_purge_daily() -> None:
    (job,) = [d for _, d in k8s_documents() if d["kind"] == "CronJob"]
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "privacy.retention"]
    assert job["spec"]["concurrencyPolicy"] == "Forbid"


# --------------------------------------------------------------------------- the API token

RASA_ENTRY = ["python", "-m", "supervisor.rasa_entry"]
"""How a deployment starts Rasa: the API token comes from the environment or a secret
file, never from the process arguments (supervisor/rasa_entry.py)."""


def k8s_rasa_container() -> dict[str, Any]:
    """The Rasa container of the Kubernetes Deployment."""
    (template,) = [template for name, template in workloads() if name == "rasa"]
    (container,) = template["spec"]["containers"]
    return container


def dockerfile_instructions(stage: str) -> list[tuple[str, str]]:
    """(instruction, arguments) of one stage of deploy/Dockerfile, continuations joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    found = []
    current = ""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction == "FROM":
            current = arguments.split(" AS ")[-1]
        elif current == stage:
            found.append((instruction, arguments))
    return found


def command_lines(compose: dict[str, Any]) -> dict[str, list[str]]:
    """Every command line of the compose file and the manifests, by where it is."""
    found = {}
    for name, service in compose["services"].items():
        for key in ("entrypoint", "command"):
            found[f"compose {name} {key}"] = service.get(key, [])
        found[f"compose {name} healthcheck"] = service.get("healthcheck", {}).get(
            "test", []
        )
    for name, template in workloads():
        spec = template["spec"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            words = [*container.get("command", []), *container.get("args", [])]
            found[f"k8s {name} {container['name']}"] = words
    return found


def token_words(words: list[str]) -> list[str]:
    """The words of a command line that pass an API token or a variable holding one."""
    leak = re.compile(r"(?:^|\s)(?:-t|--auth-token)|\$+[{(]?\w*TOKEN")
    return [word for word in map(str, words) if leak.search(word)]


def test_no_manifest_puts_a_token_in_the_process_arguments(
    compose: dict[str, Any],
) -> None:
    lines = command_lines(compose)
    assert {"compose rasa-1 command", "k8s rasa rasa"} <= set(lines)
    leaks = {where: token_words(words) for where, words in lines.items()}
    assert {where: words for where, words in leaks.items() if words} == {}


def test_the_token_check_finds_a_token_on_a_command_line() -> None:
    assert token_words(["run", "--auth-token", "${RASA_API_TOKEN:?set it}"]) == [
        "--auth-token",
        "${RASA_API_TOKEN:?set it}",
    ]
    assert token_words(["--auth-token=$(RASA_API_TOKEN)", "--port"]) == [
        "--auth-token=$(RASA_API_TOKEN)"
    ]
    assert token_words(["sh", "-c", "rasa run -t $$TOKEN"]) == ["rasa run -t $$TOKEN"]


def test_compose_and_k8s_start_rasa_through_the_token_entry_module(
    compose: dict[str, Any],
) -> None:
    for name in ("rasa-1", "rasa-2"):
        assert compose["services"][name]["entrypoint"] == RASA_ENTRY, name
    assert k8s_rasa_container()["command"] == RASA_ENTRY
    entrypoints = [
        json.loads(arguments)
        for instruction, arguments in dockerfile_instructions("rasa")
        if instruction == "ENTRYPOINT"
    ]
    assert entrypoints == [RASA_ENTRY]


def test_compose_and_k8s_run_rasa_as_the_deployment_tests_do(
    compose: dict[str, Any],
) -> None:
    """The options and files of ``make cluster``'s Rasa, which tests/deploy drives."""
    settings = cluster.ClusterSettings(cors_origins=("https://clinic.example",))
    secrets = cluster.Secrets(
        **{field.name: "x" for field in dataclasses.fields(cluster.Secrets)}
    )
    tested = cluster.rasa_command(settings, secrets, 0, model=Path("model.tar.gz"))
    assert tested[1:3] == RASA_ENTRY[1:]

    def options(words: list[str]) -> set[str]:
        return {word for word in words if word.startswith("--")}

    def files(words: list[str]) -> set[str]:
        return {Path(word).name for word in words if word.endswith(".yml")}

    # Containers listen on every interface of their own network namespace.
    expected = options(tested) - {"--interface"}
    for where, arguments in (
        ("compose", compose["services"]["rasa-1"]["command"]),
        ("k8s", k8s_rasa_container()["args"]),
    ):
        assert options(arguments) == expected, where
        assert files(arguments) == files(tested), where


def test_compose_gives_rasa_the_token_as_a_secret_file(compose: dict[str, Any]) -> None:
    assert compose["secrets"]["rasa_api_token"] == {"environment": "RASA_API_TOKEN"}
    assert "RASA_API_TOKEN=" in (DEPLOY / "compose.env.example").read_text()
    for name in ("rasa-1", "rasa-2"):
        service = compose["services"][name]
        assert service["secrets"] == ["rasa_api_token"]
        environment = service["environment"]
        assert (
            environment[rasa_entry.TOKEN_FILE_VARIABLE] == "/run/secrets/rasa_api_token"
        )
        # docker inspect shows a container's environment: the token is not in it.
        assert not {rasa_entry.TOKEN_VARIABLE, "RASA_API_TOKEN"} & set(environment)


def test_k8s_gives_rasa_the_token_from_the_secret() -> None:
    environment = {item["name"]: item for item in k8s_rasa_container()["env"]}
    assert environment[rasa_entry.TOKEN_VARIABLE]["valueFrom"]["secretKeyRef"] == {
        "name": "hamstring-secrets",
        "key": "RASA_API_TOKEN",
    }


def test_rasa_image_holds_the_entry_module_and_what_it_imports() -> None:
    instructions = dockerfile_instructions("rasa")
    assert ("COPY", "supervisor/rasa_entry.py /app/supervisor/rasa_entry.py") in (
        instructions
    )
    assert any(
        instruction == "ENV" and "PYTHONPATH=/app" in arguments.split()
        for instruction, arguments in instructions
    )
    sources = {
        source.rstrip("/")
        for instruction, arguments in instructions
        if instruction == "COPY"
        for source in arguments.split()[:-1]
    }
    tree = ast.parse((cluster.REPO / "supervisor" / "rasa_entry.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    for module in imported:
        path = module.replace(".", "/")
        if (cluster.REPO / module.split(".")[0]).is_dir():
            assert {path, f"{path}.py"} & sources or any(
                path.startswith(f"{source}/") for source in sources
            ), module


def test_systemd_timer_runs_the_retention_service() -> None:
    service = (DEPLOY / "systemd" / "hamstring-retention.service").read_text()
    assert "ExecStart=/opt/hamstring/.venv/bin/python -m privacy.retention" in service
    assert (
        "OnCalendar=" in (DEPLOY / "systemd" / "hamstring-retention.timer").read_text()
    )


def test_nothing_in_deploy_looks_like_a_real_secret() -> None:
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".yaml", ".example", ".conf"):
            text = path.read_text()
            for value in re.findall(
                r"(?:PASSWORD|TOKEN)[\"']?\s*[:=](?!\?)\s*[\"']?([^\s\"'$(]+)", text
            ):
                assert value.startswith(("replace-me", "change-me")), (path, value)
