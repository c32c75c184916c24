"""Shared fixtures: a deterministic fake embedder, temporary stores, the seeds, a Chroma server.

The fake embedder is `vectorstore.embedding.HashEmbedding` (hashed words and word pairs): no
weights, instant, deterministic, and it counts what it embeds so tests can assert that
unchanged content is not embedded twice (the simonw/llm `EmbedDemo` idea).

Tests that need something optional (the real model, a Chroma server, Chromium) skip when it
is missing, except in CI, where `.ci/run` sets `SOURCED_TEST_REQUIRE_*` and a missing piece
is a failure rather than a silent skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from vectorstore.config import StoreConfig  # noqa: E402
from vectorstore.embedding import HashEmbedding  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
VENV_BIN = Path(sys.executable).parent


def require(what: str, env: str, reason: str) -> None:
    """Skip, or fail in CI where `env` says the piece must be there."""
    if os.environ.get(env):
        pytest.fail(f"{what} is required in this run ({env} is set) but {reason}")
    pytest.skip(f"{what}: {reason}")


@pytest.fixture
def fake_embedder() -> HashEmbedding:
    return HashEmbedding()


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of the seeds, safe to modify."""
    d = tmp_path / "articles"
    d.mkdir()
    for f in SEED_FILES:
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture
def store_config(tmp_path: Path) -> StoreConfig:
    return StoreConfig(store=tmp_path / "store", collection="articles", embedder="hash")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """URL of a running Chroma server: CI's (SOURCED_TEST_CHROMA_URL) or one started here."""
    url = os.environ.get("SOURCED_TEST_CHROMA_URL")
    if url:
        if not _heartbeat(url):
            require("Chroma server", "SOURCED_TEST_REQUIRE_SERVER", f"{url} does not answer")
        yield url
        return
    chroma = VENV_BIN / "chroma"
    if not chroma.exists():
        require("Chroma server", "SOURCED_TEST_REQUIRE_SERVER", "the `chroma` command is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while not _heartbeat(url):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            require("Chroma server", "SOURCED_TEST_REQUIRE_SERVER", "`chroma run` did not start")
        time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


_collection_counter = iter(range(10**6))


@pytest.fixture(params=["embedded", "server"])
def any_store_config(request, tmp_path: Path) -> StoreConfig:
    """The same tests against the embedded store and against a Chroma server."""
    if request.param == "embedded":
        return StoreConfig(store=tmp_path / "store", collection="articles", embedder="hash")
    url = request.getfixturevalue("chroma_server")
    name = f"t{os.getpid()}x{next(_collection_counter)}"
    return StoreConfig(store=tmp_path / "unused", collection=name, chroma_url=url, embedder="hash")


def run_cli(*args: str, env: dict | None = None, timeout: float = 300, cwd: Path | None = None):
    """Run the installed `sourced` command; returns the CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(VENV_BIN / "sourced"), *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=cwd
    )


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (one per test module: a sync Playwright left running
    would hold an event loop across unrelated tests); skipped, or failed under
    SOURCED_TEST_REQUIRE_BROWSER, where either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("Playwright", "SOURCED_TEST_REQUIRE_BROWSER", "the playwright package is not installed")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        require("Chromium", "SOURCED_TEST_REQUIRE_BROWSER", "no chromium executable (apt-get install chromium)")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(
                executable_path=executable,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
        except Exception as e:  # a broken install: say why instead of an opaque error
            require("Chromium", "SOURCED_TEST_REQUIRE_BROWSER", f"it did not start: {str(e)[:300]}")
        yield b
        b.close()
