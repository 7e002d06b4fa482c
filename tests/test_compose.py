"""docker-compose.yml and the Dockerfile, checked without Docker: every docai command parses against the
real CLI, every DOCAI_* name is one the code reads, the GPU worker reserves a GPU and serves the gpu queue."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml

from docai.cli import main

REPO = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
OURS = {name: svc for name, svc in SERVICES.items() if "build" in svc}
ENV_NAME = re.compile(r"\bDOCAI_[A-Z0-9_]+\b")


def package_source() -> str:
    """All Python source of the shipped packages (what can read an environment variable)."""
    return "\n".join(p.read_text() for pkg in ("docai", "workers", "schemas", "plugins")
                     for p in sorted((REPO / pkg).rglob("*.py")))


def parse_docai(argv: list[str]) -> click.Context:
    """Parse ``docai SUBCOMMAND ...`` with the real CLI (options and values checked) without running it."""
    assert argv[0] == "docai", argv
    group: click.Group = main
    ctx = click.Context(main, info_name="docai")
    args = list(argv[1:])
    while True:
        name, *args = args or [""]
        command = group.get_command(ctx, name)  # core commands load lazily
        if command is None:
            raise click.UsageError(f"docai has no command {name!r}")
        if not isinstance(command, click.Group):
            return command.make_context(name, args, parent=ctx)
        ctx, group = click.Context(command, info_name=name, parent=ctx), command


def test_the_expected_services_exist():
    assert {"redis", "api", "worker-cpu", "worker-gpu", "flower"} <= set(SERVICES)
    assert set(OURS) == {"api", "worker-cpu", "worker-gpu"}


@pytest.mark.parametrize("name", sorted(OURS))
def test_commands_are_real_docai_commands(name):
    parse_docai(OURS[name]["command"])


def test_a_wrong_flag_would_be_caught():
    with pytest.raises(click.UsageError):
        parse_docai(["docai", "serve", "--no-such-flag"])
    with pytest.raises(click.UsageError):
        parse_docai(["docai", "no-such-command"])


def test_api_listens_on_all_interfaces():
    ctx = parse_docai(SERVICES["api"]["command"])
    assert ctx.params["host"] == "0.0.0.0"
    port = str(ctx.params["port"])
    assert any(str(p).endswith(f":{port}") for p in SERVICES["api"]["ports"])


def test_workers_serve_their_queues():
    cpu = parse_docai(SERVICES["worker-cpu"]["command"])
    gpu = parse_docai(SERVICES["worker-gpu"]["command"])
    assert "cpu" in str(cpu.params["queues"]) and "gpu" not in str(cpu.params["queues"])
    assert "gpu" in str(gpu.params["queues"])
    assert gpu.params["concurrency"] == 1


def test_gpu_worker_reserves_an_nvidia_gpu():
    devices = SERVICES["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert any(d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devices)


def test_every_docai_env_name_is_read_by_the_code():
    text = (REPO / "docker-compose.yml").read_text() + (REPO / "Dockerfile").read_text()
    names = set(ENV_NAME.findall(text))
    assert {"DOCAI_BROKER_URL", "DOCAI_STORAGE_DIR", "DOCAI_API_KEY", "DOCAI_MAX_UPLOAD_BYTES"} <= names
    source = package_source()
    unread = sorted(name for name in names if f'"{name}"' not in source)
    assert not unread, f"set in compose/Dockerfile but read nowhere: {unread}"


def test_services_share_storage_and_queue_settings():
    env = [OURS[name]["environment"] for name in sorted(OURS)]
    for key in ("DOCAI_BROKER_URL", "DOCAI_STORAGE_DIR", "DOCAI_CPU_QUEUE", "DOCAI_GPU_QUEUE"):
        assert len({e[key] for e in env}) == 1, key
    storage = env[0]["DOCAI_STORAGE_DIR"]
    mounts = [{str(v).split(":")[1] for v in OURS[name]["volumes"] if str(v).split(":")[0] in COMPOSE["volumes"]}
              for name in sorted(OURS)]
    assert all(storage in m for m in mounts)
    assert "redis://redis:" in env[0]["DOCAI_BROKER_URL"]


def test_redis_keeps_jobs_across_restarts():
    redis = SERVICES["redis"]
    assert "--appendonly" in redis["command"] and redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(str(v).split(":")[0] in COMPOSE["volumes"] for v in redis["volumes"])


def test_flower_is_optional():
    assert SERVICES["flower"].get("profiles")


def test_dockerfile_uses_slim_python_and_the_constraints():
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs)
    assert re.search(r"^USER (?!root)", text, re.MULTILINE)


def test_the_api_is_not_published_without_a_key():
    """The api listens on 0.0.0.0: with compose's default (empty) DOCAI_API_KEY, docai serve refuses."""
    from docai.api.auth import check_exposure
    from docai.errors import ConfigError

    api = SERVICES["api"]
    ctx = parse_docai(api["command"])
    assert not ctx.params["insecure_no_auth"]
    env = api["environment"]
    assert "DOCAI_ALLOW_NO_AUTH" not in env
    assert env["DOCAI_API_KEY"] in ("${DOCAI_API_KEY:-}", "${DOCAI_API_KEY}")  # from the operator, no default key
    with pytest.raises(ConfigError, match="without an API key"):
        check_exposure(ctx.params["host"], "", env={})
    check_exposure(ctx.params["host"], "a-key", env={})


def _flower_script() -> str:
    command = SERVICES["flower"]["command"]
    assert command[:2] == ["sh", "-c"]
    return command[2].replace("$$", "$")  # compose's escape for a literal $


@pytest.mark.parametrize(("auth", "starts"), [("", False), ("admin:pw", True)])
def test_flower_starts_only_behind_basic_auth(tmp_path, auth, starts):
    import os
    import subprocess

    assert SERVICES["flower"]["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH")
    fake = tmp_path / "celery"  # stands in for celery: prints the arguments it was started with
    fake.write_text('#!/bin/sh\necho "celery $*"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "FLOWER_BASIC_AUTH": auth}
    run = subprocess.run(["sh", "-c", _flower_script()], env=env, capture_output=True, text=True, timeout=10)
    if starts:
        assert run.returncode == 0 and f"--basic-auth={auth}" in run.stdout
    else:
        assert run.returncode != 0 and "FLOWER_BASIC_AUTH" in run.stderr and "celery" not in run.stdout
