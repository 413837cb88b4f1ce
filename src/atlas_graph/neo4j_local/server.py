"""Starts, finds and stops the local Neo4j: one background JVM per data folder, on loopback."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from atlas_graph.config import Settings
from atlas_graph.errors import LocalNeo4jError
from atlas_graph.neo4j_local.provisioning import Runtime, ensure_runtime
from atlas_graph.processes import process_alive

LOOPBACK = "127.0.0.1"
READY_MARKER = "atlas-neo4j ready"

# From Neo4j 5's default neo4j.conf, minus TrustFinalNonStaticFields (unsafe embedded) and AlwaysPreTouch (slow start),
# and with the parallel collector instead of G1: on this project's 2-core target, G1's concurrent threads compete
# with the service for the second core, and its young collections pause to copy each bundle's transaction state.
# The bulk-load figures of both collectors are in docs/performance.md.
JVM_FLAGS = (
    "-XX:+UseParallelGC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)


@dataclass(frozen=True)
class LocalNeo4jStatus:
    running: bool
    pid: int | None
    uri: str
    home: Path
    log_file: Path


@dataclass(frozen=True)
class StartResult:
    status: LocalNeo4jStatus
    already_running: bool
    seconds: float


class LocalNeo4j:
    """The Neo4j this project runs itself, under `settings.local_neo4j_dir`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.home = settings.local_neo4j_dir.resolve()
        self.port = settings.local_neo4j_port
        self.uri = f"bolt://{LOOPBACK}:{self.port}"
        self.password_file = self.home / "password"
        self.pid_file = self.home / "neo4j.pid"
        self.log_file = self.home / "logs" / "atlas-neo4j.log"
        self.debug_log = self.home / "logs" / "debug.log"

    def password(self) -> str:
        """The generated password of user `neo4j`; made on first use and kept in the git-ignored data folder."""
        if not self.password_file.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(24) + "\n")
        return self.password_file.read_text().strip()

    def status(self) -> LocalNeo4jStatus:
        pid = self._running_pid()
        return LocalNeo4jStatus(running=pid is not None, pid=pid, uri=self.uri, home=self.home, log_file=self.log_file)

    def start(self, *, say: Callable[[str], None] | None = None) -> StartResult:
        """Start in the background and wait until Bolt answers; a no-op when already running."""
        started = time.monotonic()
        if self._running_pid() is not None:
            return StartResult(status=self.status(), already_running=True, seconds=time.monotonic() - started)
        if _port_in_use(self.port):
            raise LocalNeo4jError(
                f"port {self.port} on {LOOPBACK} is taken by another program; "
                "stop it or set ATLAS_LOCAL_NEO4J_PORT to a free port"
            )
        runtime = ensure_runtime(cache_dir=self._settings.cache_dir, java_home=self._settings.java_home, say=say)
        if say is not None:
            say(f"starting Neo4j {runtime.neo4j_version} on {self.uri} (data in {self.home})")
        process = self._spawn(runtime)
        self._wait_until_ready(process)
        return StartResult(status=self.status(), already_running=False, seconds=time.monotonic() - started)

    def stop(self, *, timeout: float = 60.0) -> bool:
        """Stop cleanly (SIGTERM lets Neo4j checkpoint); returns False when it was not running."""
        pid = self._running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)
            while process_alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _spawn(self, runtime: Runtime) -> subprocess.Popen[bytes]:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        heap = self._settings.local_neo4j_heap
        command = [
            str(runtime.java),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            *JVM_FLAGS,
            "-cp",
            runtime.classpath,
            runtime.launcher_class,
            "--home",
            str(self.home),
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--pagecache",
            self._settings.local_neo4j_pagecache,
            "--tx-log-retention",
            self._settings.local_neo4j_tx_log_retention,
            "--password-file",
            str(self.password_file),
        ]
        self.password()
        with open(self.log_file, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S%z')} starting: {' '.join(command)}\n".encode())
            log.flush()
            # A new session keeps Ctrl-C in the caller's terminal from reaching Neo4j before we stop it ourselves.
            process = subprocess.Popen(
                command,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        return process

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self._settings.local_neo4j_start_timeout
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise LocalNeo4jError(
                    f"Neo4j exited with code {process.returncode} while starting; see {self.log_file} "
                    f"and {self.debug_log}:\n{_tail(self.log_file)}"
                )
            if _bolt_answers(self.port) and self._log_says_ready(offset):
                return
            time.sleep(0.2)
        process.terminate()
        self.pid_file.unlink(missing_ok=True)
        raise LocalNeo4jError(
            f"Neo4j did not answer on {self.uri} within {self._settings.local_neo4j_start_timeout:.0f} s; "
            f"see {self.log_file} and {self.debug_log}"
        )

    def _log_says_ready(self, offset: int) -> bool:
        # The log file is appended to across starts; only this start's part counts. Marker lines are short.
        with open(self.log_file, "rb") as log:
            log.seek(max(0, offset - 1))
            return READY_MARKER.encode() in log.read()

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if process_alive(pid) and _is_our_launcher(pid):
            return pid
        # A stale pid file from a crash or a reboot.
        self.pid_file.unlink(missing_ok=True)
        return None


def _is_our_launcher(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        # No /proc (macOS): trust the pid file.
        return True
    return b"AtlasNeo4j" in cmdline


def _port_in_use(port: int) -> bool:
    return _bolt_answers(port)


def _bolt_answers(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
