"""The gateway's configurations (the cluster's and docker-compose's) pass nginx's own check (`nginx -t`),
with the upstream names, which resolve only where the services run, pointed at this host."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT
from tests.unit.k8s.manifests import OVERLAYS, render


def gateway_configs() -> dict[str, str]:
    configs = {"compose": (REPO_ROOT / "deploy" / "nginx.conf").read_text()}
    for overlay in OVERLAYS:
        config_map = next(c for c in render(overlay).of("ConfigMap") if c["metadata"]["name"].startswith("gateway-"))
        configs[overlay] = config_map["data"]["nginx.conf"]
    return configs


@pytest.mark.parametrize("source", ["compose", *OVERLAYS])
def test_the_gateway_configuration_passes_nginx_own_check(source: str, tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).is_file(), "nginx not found: the Makefile's bootstrap installs Debian's nginx"
    text = re.sub(r"http://[a-z]+:(\d+)", r"http://127.0.0.1:\1", gateway_configs()[source])
    text = text.replace(" /tmp/", f" {tmp_path}/")
    # compose mounts deploy/nginx-forwarded.conf there
    text = text.replace("/etc/nginx/forwarded.conf", str(REPO_ROOT / "deploy" / "nginx-forwarded.conf"))
    config = tmp_path / "nginx.conf"
    config.write_text(text)
    result = subprocess.run([nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(config)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_nginx_check_refuses_a_broken_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    config = tmp_path / "nginx.conf"
    config.write_text("events {}\nhttp { server { listen 8080; location / { proxy_pas http://127.0.0.1:1/; } } }\n")
    result = subprocess.run([nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(config)],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "proxy_pas" in result.stderr
