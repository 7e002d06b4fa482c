"""Real ``redis-server`` and ``celery worker`` processes for tests and benchmarks.

Every Redis runs on a free loopback port in a tmp dir (never the shared one on 6379); every worker runs
in its own process group and is killed with it. Timeouts are short so the reliability tests stay fast.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from docai.settings import Settings

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_group(proc: subprocess.Popen) -> None:
    """SIGTERM the process group led by ``proc``; SIGKILL it if it has not exited within 5 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass


class RedisServer:
    """A throwaway redis-server; ``restart`` keeps its port and data directory (AOF when ``aof``)."""

    def __init__(self, directory: Path, *, aof: bool = False) -> None:
        self.directory = directory
        self.port = free_port()
        self.aof = aof
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                "--save", "", "--protected-mode", "yes", "--loglevel", "warning"]
        if self.aof:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                if client.ping():
                    client.close()
                    return
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: a crash, not a clean shutdown."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def restart(self) -> None:
        self.kill()
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


class Worker:
    """``celery -A workers.app worker`` with our settings in its environment, in its own process group."""

    def __init__(self, env: dict[str, str], log: Path, *, concurrency: int = 2, queues: str = "cpu,gpu",
                 name: str = "w") -> None:
        self.log = log
        args = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues, "-c", str(concurrency),
                "-P", "prefork", "-n", f"{name}-{os.getpid()}-{free_port()}@%h", "-l", "info",
                "--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=self.handle, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> Worker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker: parent and pool children."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        stop_process_group(self.proc)
        self.handle.close()


class ApiServer:
    """``uvicorn --factory docai.api.app:create_app`` as its own process (settings from ``env``), on a free
    loopback port; ``rss_peak_kib`` reads its peak resident memory (VmHWM) from /proc."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.log = log
        args = [sys.executable, "-m", "uvicorn", "--factory", "docai.api.app:create_app", "--host", "127.0.0.1",
                "--port", str(self.port), "--log-level", "warning"]
        self.proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=self.handle, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> ApiServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"API server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"API server not ready: {self.log.read_text()[-2000:]}")

    def rss_peak_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM in /proc status")

    def stop(self) -> None:
        stop_process_group(self.proc)
        self.handle.close()


class Cluster:
    """One Redis, its settings and the workers started for one test."""

    def __init__(self, tmp: Path, *, aof: bool = False, **settings: str) -> None:
        self.tmp = tmp
        self.redis = RedisServer(tmp, aof=aof)
        self.redis.start()
        self.env = {
            **os.environ,
            "DOCAI_BROKER_URL": self.redis.url,
            "DOCAI_STORAGE_DIR": str(tmp / "storage"),
            "DOCAI_CACHE_DIR": str(tmp / "cli-cache"),
            "DOCAI_VISIBILITY_TIMEOUT": "6",
            "DOCAI_RESTORE_INTERVAL": "1",
            "DOCAI_TASK_TIME_LIMIT": "5",
            "DOCAI_TASK_SOFT_TIME_LIMIT": "4.5",
            "DOCAI_PAGES_PER_TASK": "2",
            "DOCAI_SWEEP_INTERVAL": "1",
            "DOCAI_SWEEP_GRACE": "3",
            "PYTHONPATH": str(REPO),
            **settings,
        }
        self.env.pop("DOCAI_TEST_FAULTS", None)
        self.settings = Settings.from_env(self.env)
        self.workers: list[Worker] = []
        self.apis: list[ApiServer] = []

    def api(self, *, ready: bool = True, **env: str) -> ApiServer:
        """An API server process on this cluster's Redis and storage (``env`` adds or overrides settings)."""
        server = ApiServer({**self.env, **env}, self.tmp / f"api-{len(self.apis)}.log")
        self.apis.append(server)
        return server.wait_ready() if ready else server

    def worker(self, *, ready: bool = True, **kwargs) -> Worker:
        env = {**self.env, **kwargs.pop("env", {})}
        worker = Worker(env, self.tmp / f"worker-{len(self.workers)}.log", **kwargs)
        self.workers.append(worker)
        return worker.wait_ready() if ready else worker

    def close(self) -> None:
        for server in self.apis:
            server.stop()
        for worker in self.workers:
            worker.stop()
        self.redis.kill()


@contextmanager
def model_cluster(tmp: Path, models: dict[str, Path]) -> Iterator[tuple[Cluster, str]]:
    """A cluster for real (tiny) models: the checkpoints of ``models`` copied into the storage's ``models/``
    under their names, one gpu worker (one job at a time, one torch thread, time limits a CPU model needs)
    and an API server; yields the cluster and the server's URL."""
    cluster = Cluster(tmp, DOCAI_VISIBILITY_TIMEOUT="300", DOCAI_TASK_TIME_LIMIT="120",
                      DOCAI_TASK_SOFT_TIME_LIMIT="110", DOCAI_DEVICE="cpu", DOCAI_DTYPE="fp32",
                      OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        for name, checkpoint in models.items():
            shutil.copytree(checkpoint, cluster.settings.storage_dir / "models" / name)
        cluster.worker(queues="gpu", concurrency=1, ready=False)
        server = cluster.api()
        cluster.workers[0].wait_ready(60)
        yield cluster, server.url
    finally:
        cluster.close()
