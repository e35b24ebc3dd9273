"""The Rasa server gets its API token from the environment, never from its arguments.

Passwords given as files (Compose secrets) reach Rasa's environment, where it reads them.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from supervisor.local import make_private
from supervisor.process import Service
from supervisor.rasa_entry import (
    SECRET_VARIABLES,
    TOKEN_FILE_VARIABLE,
    TOKEN_VARIABLE,
    UNUSED_OPTIONAL_MODULES,
    rasa_arguments,
    secrets_from_files,
    skip_unused_modules,
)
from tests.helpers.paths import REPO_ROOT


@pytest.mark.parametrize("source", [TOKEN_VARIABLE, TOKEN_FILE_VARIABLE])
def test_the_token_is_appended_and_its_variable_removed(
    tmp_path: Path, source: str
) -> None:
    """From the variable itself, or from the file it names (a container's secret)."""
    secret = tmp_path / "rasa_api_token"
    secret.write_text("s3cret\n")
    value = "s3cret" if source == TOKEN_VARIABLE else str(secret)
    environ = {source: value, "OTHER": "x"}
    assert rasa_arguments(["run", "--enable-api"], environ) == [
        "run",
        "--enable-api",
        "--auth-token=s3cret",
    ]
    assert environ == {"OTHER": "x"}


def test_a_token_that_starts_with_a_dash_reaches_rasa_as_the_token() -> None:
    from rasa.__main__ import create_argument_parser

    arguments = rasa_arguments(["run", "--enable-api"], {TOKEN_VARIABLE: "-_krh-5"})
    assert create_argument_parser().parse_args(arguments).auth_token == "-_krh-5"


def test_no_token_no_argument() -> None:
    assert rasa_arguments(["run"], {}) == ["run"]


@pytest.mark.parametrize(
    "arguments", [["--auth-token", "leaks"], ["--auth-token=leaks"], ["-t", "leaks"]]
)
def test_a_token_on_the_command_line_is_refused(arguments: list[str]) -> None:
    with pytest.raises(SystemExit, match=TOKEN_VARIABLE):
        rasa_arguments(["run", *arguments], {TOKEN_VARIABLE: "t"})


def test_the_api_is_not_opened_without_a_token(tmp_path: Path) -> None:
    for environ in ({}, {TOKEN_VARIABLE: ""}):
        with pytest.raises(SystemExit, match="--enable-api needs a token"):
            rasa_arguments(["run", "--enable-api"], environ)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(SystemExit, match="is empty"):
        rasa_arguments(["run", "--enable-api"], {TOKEN_FILE_VARIABLE: str(empty)})


def test_an_unreadable_or_doubled_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="cannot read"):
        rasa_arguments(["run"], {TOKEN_FILE_VARIABLE: str(tmp_path / "missing")})
    with pytest.raises(SystemExit, match="not both"):
        rasa_arguments(
            ["run"], {TOKEN_VARIABLE: "a", TOKEN_FILE_VARIABLE: str(tmp_path / "b")}
        )


@pytest.mark.parametrize("name", SECRET_VARIABLES)
def test_a_password_file_becomes_the_variable_rasa_reads(
    tmp_path: Path, name: str
) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    environ = {f"{name}_FILE": str(secret), "OTHER": "x"}

    secrets_from_files(environ)

    assert environ == {name: "s3cret", "OTHER": "x"}


def test_a_password_given_both_ways_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("a")
    name = SECRET_VARIABLES[0]
    with pytest.raises(SystemExit, match="not both"):
        secrets_from_files({name: "b", f"{name}_FILE": str(secret)})


def test_service_files_are_private(tmp_path: Path) -> None:
    """A server's log and the files it creates are readable by their owner only."""
    created = tmp_path / "work" / "conversations.db"
    created.parent.mkdir()
    script = f"open({str(created)!r}, 'w').write('x'); print('done', flush=True)"
    service = Service(
        "writer", [sys.executable, "-c", script], log_path=tmp_path / "logs" / "w.log"
    ).start()
    assert service.process is not None
    service.process.wait(timeout=30)
    for path in (created, service.log_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(service.log_path.parent.stat().st_mode) == 0o700


def test_make_run_folders_are_made_private(tmp_path: Path) -> None:
    """``make run`` closes var/ and logs/ left readable by an older checkout."""
    var = tmp_path / "var"
    (var / "sub").mkdir(parents=True)
    for path in (var / "conversations.db", var / "sub" / "old.log"):
        path.write_text("x")
        path.chmod(0o644)
    var.chmod(0o755)
    make_private(var)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "sub").stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "conversations.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "sub" / "old.log").stat().st_mode) == 0o600


def test_make_private_leaves_links_and_the_owners_execute_bit(tmp_path: Path) -> None:
    """A tool's venv under var/ stays runnable; its interpreter link is not followed.

    The link points outside, at the machine's Python (make run once made it 0600).
    """
    outside = tmp_path / "python3.11"
    outside.write_text("#!/bin/sh\n")
    outside.chmod(0o755)
    var = tmp_path / "var"
    (var / "tools" / "bin").mkdir(parents=True)
    (var / "tools" / "bin" / "python").symlink_to(outside)
    script = var / "tools" / "bin" / "tool"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    make_private(var)
    assert stat.S_IMODE(outside.stat().st_mode) == 0o755
    assert stat.S_IMODE(script.stat().st_mode) == 0o700


PROBE = """
import sys, types

probe = types.ModuleType("rasa.__main__")


def main():
    import tensorflow  # noqa: F401  (what Rasa imports once it runs)

    print("jax" in sys.modules and sys.modules["jax"] is not None, "jaxlib" in sys.modules)


probe.main = main
import rasa  # noqa: E402

sys.modules["rasa.__main__"] = probe
from supervisor import rasa_entry  # noqa: E402

sys.argv = ["rasa_entry", "--version"]
rasa_entry.main() if "{how}" == "entry" else probe.main()
"""


@pytest.mark.parametrize(
    ("how", "loaded"), [("entry", "False False"), ("bare", "True True")]
)
def test_the_server_runs_tensorflow_without_jax(how: str, loaded: str) -> None:
    """Through the entry point TensorFlow runs without JAX; imported bare, it loads it."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.replace("{how}", how)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == loaded


def test_an_optional_module_already_imported_is_left_alone() -> None:
    loaded = ModuleType("jax")
    modules: dict[str, ModuleType | None] = {"jax": loaded}
    skip_unused_modules(modules)
    assert modules == {"jax": loaded}
    fresh: dict[str, ModuleType | None] = {}
    skip_unused_modules(fresh)
    assert fresh == dict.fromkeys(UNUSED_OPTIONAL_MODULES)
