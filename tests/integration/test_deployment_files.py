"""docker-compose.yml and the nginx configuration name commands, options, settings and paths of the code:
no Docker engine runs here, so these tests hold the files to the code they name instead."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway_agent.cli import parser as gate_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
NGINX = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SERVER_SERVICES = [name for name, s in SERVICES.items() if s.get("build", {}).get("target") == "server"]
# Read by uvicorn, not by kernel.settings.
NOT_OURS = {"FORWARDED_ALLOW_IPS"}


def _estivage_commands(service: dict[str, Any]) -> list[list[str]]:
    command = service["command"]
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in command[2].split("&&")]
    return [command]


@pytest.mark.parametrize("service", SERVER_SERVICES)
def test_every_server_command_in_compose_exists_with_its_options(service: str) -> None:
    for command in _estivage_commands(SERVICES[service]):
        assert command[0] == "estivage"
        # click refuses an unknown command or option before it looks at --help.
        checked = subprocess.run(
            [sys.executable, "-m", "estivage.cli", *command[1:], "--help"],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert checked.returncode == 0, f"{service}: {command}: {checked.stderr}"


def test_every_setting_compose_passes_is_one_the_server_reads() -> None:
    settings = (ROOT / "kernel" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'_env\("([A-Z_]+)"', settings)) | NOT_OURS
    for service in SERVER_SERVICES:
        passed = set(SERVICES[service]["environment"])

        assert passed <= read, f"{service} passes settings nobody reads: {passed - read}"


def test_compose_will_not_start_without_saying_which_providers_take_card_payments() -> None:
    # An empty default here once made production fall back to the test mode (issue 15, item 2).
    for service in SERVER_SERVICES:
        said = str(SERVICES[service]["environment"]["ESTIVAGE_PAYMENTS"])
        assert said.startswith("${ESTIVAGE_PAYMENTS:?"), f"{service}: {said}"


def test_every_process_that_signs_passes_shares_one_keys_file() -> None:
    # A pass signed by one replica must verify with the keys every replica serves to the gates.
    keys_file = Path(SERVICES["api"]["environment"]["ESTIVAGE_PASS_KEYS_FILE"])
    for service in ("migrate", "api"):
        mounts = {m.split(":")[1]: m.split(":")[0] for m in SERVICES[service]["volumes"]}

        assert SERVICES[service]["environment"]["ESTIVAGE_PASS_KEYS_FILE"] == str(keys_file)
        assert mounts.get(str(keys_file.parent)) in COMPOSE["volumes"]
    assert "estivage keys ensure" in SERVICES["migrate"]["command"][-1]
    assert SERVICES["api"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_proxy_sends_to_the_port_the_api_serves_and_waits_for_it_to_be_ready() -> None:
    api = SERVICES["api"]["command"]
    port = api[api.index("--port") + 1]

    assert re.search(rf"server api:{port} resolve;", NGINX)
    assert "/ready" in SERVICES["api"]["healthcheck"]["test"][-1]
    assert SERVICES["proxy"]["depends_on"]["api"] == {"condition": "service_healthy"}


def test_the_proxy_hands_the_api_the_address_it_saw_not_one_the_client_wrote() -> None:
    # The API trusts X-Forwarded-For from the proxy (FORWARDED_ALLOW_IPS) for its login rate limit;
    # appending to the client's header ($proxy_add_x_forwarded_for) would let a client pick its address.
    forwarded = re.findall(r"proxy_set_header X-Forwarded-For (\S+);", NGINX)

    assert forwarded
    assert set(forwarded) == {"$remote_addr"}
    assert "ports" not in SERVICES["api"]  # nothing but the proxy reaches the API


def test_the_gate_service_runs_the_agent_with_options_it_has() -> None:
    gate = SERVICES["gate"]
    entrypoint = gate["entrypoint"]

    assert entrypoint[:3] == ["python", "-m", "gateway_agent"]
    gate_parser().parse_args([*entrypoint[3:], *gate["command"]])  # SystemExit(2) on an unknown option


def test_the_server_image_copies_every_package_the_wheel_ships() -> None:
    """A package left out of the image makes the server fail at its first import, only in production."""
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    packages = set(wheel["targets"]["wheel"]["packages"])
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    server = dockerfile.split("FROM base AS server", 1)[1].split("FROM base AS", 1)[0]
    copied = set(re.findall(r"^COPY (\w+) \1$", server, flags=re.MULTILINE))
    assert packages <= copied, f"the server image lacks {sorted(packages - copied)}"
