"""The chat widget's bundle in the deployment files: nginx, the ``web`` image, Kubernetes.

nginx serves ``widget/dist`` at ``/widget/`` beside the Socket.IO channel it talks to:
the cluster's and Compose's nginx (the ``web`` image, ``compose.conf`` mounted over its
own site) and, in Kubernetes, the widget Deployment behind its own Ingress path
(``widget.conf``). Checked here as files and with ``nginx -t``;
``tests/deploy/test_widget_through_nginx.py`` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy import cluster, nginx
from tests.deploy.manifests import (
    DEPLOY,
    dockerfile_instructions,
    k8s_documents,
    nginx_test,
    workloads,
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
