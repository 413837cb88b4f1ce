"""Fetches Neo4j Community's jars from Maven Central and compiles the launcher, once per version, into a cache."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from atlas_graph.errors import ConfigurationError, LocalNeo4jError

# Pinned so that a new Maven default cannot change how the classpath is assembled.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
SUPPORTED_JAVA_MAJORS = (17, 21)
_LAUNCHER_CLASS = "AtlasNeo4j"
_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


@dataclass(frozen=True)
class Runtime:
    """A provisioned Neo4j: the jars, the compiled launcher and the Java that runs them."""

    neo4j_version: str
    lib_dir: Path
    launcher_dir: Path
    java: Path

    @property
    def classpath(self) -> str:
        return f"{self.launcher_dir}{os.pathsep}{self.lib_dir}{os.sep}*"

    @property
    def launcher_class(self) -> str:
        return _LAUNCHER_CLASS


def pinned_neo4j_version() -> str:
    """The Neo4j version the shipped pom pins."""
    pom = ET.fromstring(_resource_bytes("pom.xml"))
    version = pom.findtext("m:properties/m:neo4j.version", namespaces=_POM_NS)
    if not version:
        raise LocalNeo4jError("the shipped pom.xml does not pin neo4j.version")
    return version


def ensure_runtime(
    *, cache_dir: Path, java_home: Path | None = None, say: Callable[[str], None] | None = None
) -> Runtime:
    """Provision the pinned Neo4j under `cache_dir` unless it is already there; safe to call on every start."""
    version = pinned_neo4j_version()
    java = find_java(java_home)
    version_dir = cache_dir / f"neo4j-{version}"
    lib_dir = version_dir / "lib"
    complete_marker = version_dir / "complete"
    if not complete_marker.exists():
        if say is not None:
            say(f"provisioning Neo4j {version} from Maven Central into {lib_dir} (first run only)")
        _download_jars(version_dir, lib_dir)
        complete_marker.write_text(f"neo4j {version}\n")
    launcher_dir = _compile_launcher(version_dir, lib_dir, java)
    return Runtime(neo4j_version=version, lib_dir=lib_dir, launcher_dir=launcher_dir, java=java)


def find_java(java_home: Path | None = None) -> Path:
    """A `java` of a major version Neo4j 5.26 supports: the configured one, JAVA_HOME, PATH, then /usr/lib/jvm."""
    candidates: list[Path] = []
    if java_home is not None:
        candidates.append(java_home / "bin" / "java")
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path))
    candidates.extend(sorted(Path("/usr/lib/jvm").glob("*/bin/java")))
    seen: list[str] = []
    for candidate in candidates:
        if not candidate.exists():
            continue
        major = java_major_version(candidate)
        seen.append(f"{candidate} ({major})")
        if major in SUPPORTED_JAVA_MAJORS:
            return candidate
    wanted = " or ".join(map(str, SUPPORTED_JAVA_MAJORS))
    found = ", ".join(seen) or "none"
    raise ConfigurationError(f"Neo4j 5.26 needs Java {wanted}; found: {found}. Set ATLAS_JAVA_HOME to a JDK {wanted}.")


def java_major_version(java: Path) -> int | None:
    """The major version `java -version` reports, or None when it does not run."""
    try:
        completed = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', completed.stderr)
    if not match:
        return None
    major = int(match.group(1))
    # Java 8 and older report "1.8".
    return int(match.group(2)) if major == 1 and match.group(2) else major


def _download_jars(version_dir: Path, lib_dir: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ConfigurationError(
            "Maven (mvn) is needed once, to fetch Neo4j's jars from Maven Central; install it (apt-get install maven)"
        )
    version_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="atlas-neo4j-pom-") as work:
        pom = Path(work) / "pom.xml"
        pom.write_bytes(_resource_bytes("pom.xml"))
        staging = version_dir / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        command = [
            mvn,
            "-B",
            "-q",
            "-f",
            str(pom),
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0 or not any(staging.glob("neo4j-*.jar")):
            tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-15:])
            raise LocalNeo4jError(f"fetching Neo4j's jars failed (mvn exit {completed.returncode}):\n{tail}")
        shutil.rmtree(lib_dir, ignore_errors=True)
        staging.rename(lib_dir)


def _compile_launcher(version_dir: Path, lib_dir: Path, java: Path) -> Path:
    """Compile the launcher once per source version, so that each start skips the source-launcher's compile."""
    source = _resource_bytes(f"{_LAUNCHER_CLASS}.java")
    digest = hashlib.sha256(source).hexdigest()[:12]
    launcher_dir = version_dir / f"launcher-{digest}"
    if (launcher_dir / f"{_LAUNCHER_CLASS}.class").exists():
        return launcher_dir
    javac = java.parent / "javac"
    if not javac.exists():
        raise ConfigurationError(f"{java} has no javac beside it; point ATLAS_JAVA_HOME at a full JDK")
    staging = Path(tempfile.mkdtemp(prefix="launcher-", dir=version_dir))
    (staging / f"{_LAUNCHER_CLASS}.java").write_bytes(source)
    completed = subprocess.run(
        [
            str(javac),
            "-cp",
            f"{lib_dir}{os.sep}*",
            "-d",
            str(staging),
            str(staging / f"{_LAUNCHER_CLASS}.java"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise LocalNeo4jError(f"compiling the Neo4j launcher failed:\n{completed.stderr.strip()}")
    try:
        staging.rename(launcher_dir)
    except OSError:
        # Another process compiled the same source first; theirs is identical.
        shutil.rmtree(staging, ignore_errors=True)
    return launcher_dir


def _resource_bytes(name: str) -> bytes:
    return resources.files("atlas_graph.neo4j_local").joinpath(name).read_bytes()
