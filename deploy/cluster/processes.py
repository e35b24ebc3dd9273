"""Processes of the cluster: started through the project's supervisor, tracked by pid files."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from deploy.cluster.settings import REPO, ClusterSettings
from supervisor.process import Service, read_pid, stop_process_group


def _as_service_user(user: str, command: Sequence[str]) -> list[str]:
    """Run ``command`` as ``user`` when we are root (databases refuse to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *command]
    return list(command)


def _give_to(path: Path, user: str) -> None:
    """Make ``path`` owned by ``user`` when we are root."""
    if os.geteuid() == 0:
        shutil.chown(path, user=user, group=user)


def spawn(
    name: str,
    command: Sequence[str],
    *,
    settings: ClusterSettings,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``command`` (logs/<name>.log), record its pid in run/<name>.pid; return it."""
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    service = Service(
        name,
        command,
        log_path=settings.log_dir / f"{name}.log",
        cwd=REPO,
        env=env,
        append_log=True,
    ).start()
    assert service.pid is not None
    (settings.run_dir / f"{name}.pid").write_text(f"{service.pid}\n")
    return service.pid


def stop_named(name: str, settings: ClusterSettings, *, kill: bool = False) -> None:
    """Stop the process recorded in ``run/<name>.pid`` and forget it."""
    pid_file = settings.run_dir / f"{name}.pid"
    stop_process_group(read_pid(pid_file), kill=kill)
    pid_file.unlink(missing_ok=True)


def snapshot_model(source: Path, state_dir: Path, *, attempts: int = 30) -> Path:
    """Copy the model into ``state_dir`` once it reads as a complete archive.

    ``make train`` rewrites ``models/hamstring.tar.gz`` in place; a Rasa instance that
    starts (or restarts) while it is half-written would run without a model. Every
    instance of a cluster loads the same verified copy instead.
    """
    import tarfile

    target = state_dir / "model.tar.gz"
    state_dir.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):
        size = source.stat().st_size
        shutil.copyfile(source, target)
        try:
            with tarfile.open(target) as archive:
                for _member in archive:
                    pass
        except (tarfile.TarError, EOFError, OSError):
            time.sleep(10.0)
            continue
        if source.stat().st_size == size:
            return target
        time.sleep(10.0)
    raise RuntimeError(f"{source} never read as a complete model archive")
