"""The deployment files name real settings and real commands (rendered offline).

``kubectl kustomize deploy/k8s`` renders the Kubernetes base; the compose file and
the Dockerfile are read as they are. Every environment variable they set must be a
setting ``Settings`` reads (and its value must pass its validation), and every
command must parse as a ``careerflow`` CLI command with its options.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from pydantic import AliasChoices, ValidationError

from careerflow.cli import app
from careerflow.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
FOLLOWERS = {"relay", "notifier", "projector"}


def setting_names() -> dict[str, str]:
    """Environment variable → field, as pydantic-settings reads them."""
    names: dict[str, str] = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice).upper(): field for choice in alias.choices}
        else:
            names[f"CAREERFLOW_{field.upper()}"] = field
    return names


def check_settings(variables: dict[str, str], where: str) -> None:
    names = setting_names()
    unknown = sorted(set(variables) - set(names))
    assert not unknown, f"{where} sets variables careerflow does not read: {unknown}"
    values = {names[k]: v for k, v in variables.items() if "${" not in v}
    try:
        Settings.model_validate(values)
    except ValidationError as exc:
        pytest.fail(f"{where}: a value is not a valid setting: {exc}")


def check_command(argv: list[str], where: str) -> str:
    """Parse ``careerflow ...`` as the CLI would; the subcommand's name."""
    assert argv[0] == "careerflow", f"{where}: runs {argv[0]}, not careerflow"
    group: Any = typer.main.get_command(app)
    name, rest = argv[1], argv[2:]
    command = group.commands.get(name)
    assert command is not None, f"{where}: `careerflow {name}` is not a command"
    try:  # parsing only: options and their values are checked, nothing runs
        with group.make_context("careerflow", [name, *rest]) as parent:
            command.make_context(name, list(rest), parent=parent)
    except Exception as exc:
        pytest.fail(f"{where}: `careerflow {' '.join(argv[1:])}`: {exc}")
    return name


@pytest.fixture(scope="module")
def k8s() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl is not None, "kubectl renders the Kustomize base (kubectl kustomize)"
    rendered = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "k8s")], check=True, capture_output=True, text=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_kubernetes_settings_are_real_settings(k8s: list[dict[str, Any]]) -> None:
    [config] = of_kind(k8s, "ConfigMap").values()
    [secret] = of_kind(k8s, "Secret").values()
    check_settings(config["data"] | secret["stringData"], "the ConfigMap and Secret")
    for name, deployment in of_kind(k8s, "Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            env = {e["name"]: str(e.get("value", "")) for e in container.get("env", [])}
            check_settings(env, name)
            refs = {next(iter(ref.values()))["name"] for ref in container.get("envFrom", [])}
            assert refs == {config["metadata"]["name"], secret["metadata"]["name"]}, name


def test_kubernetes_runs_every_process_with_probes(k8s: list[dict[str, Any]]) -> None:
    processes: dict[str, dict[str, Any]] = {}
    for name, deployment in of_kind(k8s, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        process = check_command(container["command"], name)
        processes[process] = deployment
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        if process in FOLLOWERS:
            assert deployment["spec"]["replicas"] >= 2, f"{name} has no standby"
    assert set(processes) == {"api", "worker"} | FOLLOWERS
    [hpa] = of_kind(k8s, "HorizontalPodAutoscaler").values()
    target = hpa["spec"]["scaleTargetRef"]["name"]
    assert processes["api"]["metadata"]["name"] == target
    [service] = of_kind(k8s, "Service").values()
    assert service["spec"]["selector"] == processes["api"]["spec"]["selector"]["matchLabels"]


def test_compose_runs_every_process_on_temporal_server_images() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    ours = {n: s for n, s in services.items() if s.get("image", "").startswith("careerflow")}
    processes = set()
    for name, service in ours.items():
        processes.add(check_command(["careerflow", *service["command"]], f"compose {name}"))
        check_settings({k: str(v) for k, v in service["environment"].items()}, f"compose {name}")
    assert processes == {"api", "worker"} | FOLLOWERS
    for name in FOLLOWERS:
        assert ours[name]["deploy"]["replicas"] >= 2, f"compose {name} has no standby"
    images = {s.get("image", "").split(":")[0] for s in services.values()}
    assert {"temporalio/server", "temporalio/admin-tools", "temporalio/ui"} <= images
    assert "temporalio/auto-setup" not in images, "the auto-setup image is deprecated"


def test_the_image_runs_careerflow_as_nobody_with_a_health_check() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER 10001$", dockerfile, re.M), "the image must not run as root"
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
    assert re.search(r'^ENTRYPOINT \["careerflow"\]$', dockerfile, re.M)
    default = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert default is not None
    check_command(["careerflow", *yaml.safe_load(default.group(1))], "the Dockerfile's CMD")
    env = dict(re.findall(r"(CAREERFLOW_[A-Z_]+)=(\S+)", dockerfile))
    check_settings(env, "the Dockerfile")
