"""The nginx configuration: rendered, checked by ``nginx -t``, and its policy."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from deploy import cluster, nginx
from tests.deploy.manifests import DEPLOY, locations, servers


def nginx_test(
    tmp_path: Path, options: nginx.NginxOptions
) -> subprocess.CompletedProcess:
    """Run ``nginx -t`` on a full configuration rendered from ``options``."""
    site = tmp_path / "rasa.conf"
    site.write_text(nginx.render_site(options))
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


@pytest.mark.parametrize(
    ("expose_rest", "console"), [(False, False), (True, False), (False, True)]
)
def test_nginx_config_passes_nginx_t(
    tmp_path: Path, expose_rest: bool, console: bool
) -> None:
    cluster.install_debian_packages()
    options = nginx.NginxOptions(
        listen="127.0.0.1:18080",
        rasa_servers=("127.0.0.1:15005", "127.0.0.1:15006"),
        expose_rest=expose_rest,
        cors_origins=("https://clinic.example", "http://localhost:3000"),
        console_listen="127.0.0.1:18081" if console else None,
        console_server="127.0.0.1:15620" if console else None,
    )
    completed = nginx_test(tmp_path, options)
    assert completed.returncode == 0, completed.stderr


def test_nginx_config_check_can_fail(tmp_path: Path) -> None:
    cluster.install_debian_packages()
    options = nginx.NginxOptions(
        listen="127.0.0.1:18080",
        rasa_servers=("127.0.0.1:15005",),
        client_max_body_size="lots",
    )
    assert nginx_test(tmp_path, options).returncode != 0


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
    rasa = servers(site)[nginx.COMPOSE_OPTIONS.listen]
    assert locations(rasa) == {"/healthz", "/socket.io/", "/"}


def test_nginx_refuses_a_malformed_origin() -> None:
    with pytest.raises(ValueError):
        nginx.render_site(
            nginx.NginxOptions(
                listen="80", rasa_servers=("a:5005",), cors_origins=('x" 0; }',)
            )
        )


def test_compose_nginx_config_is_the_current_rendering() -> None:
    committed = (DEPLOY / "nginx" / "compose.conf").read_text()
    assert committed == nginx.render_site(nginx.COMPOSE_OPTIONS), (
        "regenerate: python -m deploy.nginx > deploy/nginx/compose.conf"
    )
