"""This process's Chroma client for a store, kept fresh when other processes write to it.

Why this exists: embedded Chroma is not safe across processes on its own. It keeps the vector
index in memory, so a process that keeps a store open (the chat) does not see another process's
writes in its vector searches, and if it then writes (an upload) it persists its stale index
over the other's, and the store loses vectors ("Error finding id").

How it is made safe, with Chroma's public API only:

* One writer at a time, by the lock file (`locks.py`).
* Every write session leaves a token in `sourced.generation`: `w…` when it starts writing, `d…`
  when it ends. Before each Chroma call a process compares the token, and the inode of
  `chroma.sqlite3`, with what it last saw; if either changed it reopens: `Client.close()` on its
  client (the last reference to Chroma's shared instance for that folder, so Chroma stops it and
  drops its in-memory index) and a new `PersistentClient`, which loads what is on disk. A writer
  reopens before writing unless the token is the one its own last write left.
* So each process holds exactly one client per store (`connect` keeps them by folder): another
  client on the same folder in the same process would keep Chroma's instance, and its stale
  index, alive through `close()`.

The cost, measured by `bench/cross_process.py` (docs/RELIABILITY.md): a reopen is paid once per
write session of another process, the check before each call is one small file read and a stat.

Server mode (`--chroma-url`): the server is the only process that touches the data, so there is
one `HttpClient` per `Store`, never reopened; a lost connection is retried once.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from ..config import StoreConfig
from ..errors import StoreError, StoreNotFound, StoreUnavailable, chroma_error, is_transient, open_error, write_error
from .folder import GENERATION_NAME, chroma_settings, database, inode, prepare_folder, snapshot, writable

_WRITE_OPS = {"add", "upsert", "update", "delete", "modify"}


class RWLock:
    """Many Chroma calls at once, or one reopen of the client, never both."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class Connection:
    """This process's Chroma client for one store, shared by every `Store` opened on it.

    `snapshot` is the temporary copy a read-only store is read from (never reopened: nothing
    else writes it). `epoch` counts reopens, so collection handles know to fetch themselves again.
    """

    def __init__(self, config: StoreConfig, snapshot: Path | None = None) -> None:
        self.config = config
        self.snapshot = snapshot
        self.lock = RWLock()
        self._token_lock = threading.Lock()
        self.epoch = 0
        self.own: str | None = None  # the token this process's last write session left
        self.seen = ""
        self.inode = 0
        self.broken = False  # a Chroma call failed: its instance may be wedged (it hangs after ENOSPC)
        self.client = None
        if config.chroma_url:
            self.client = _http_client(config)
        else:
            self._open_client()

    @property
    def embedded(self) -> bool:
        return not self.config.chroma_url

    @property
    def path(self) -> Path:
        return self.snapshot or self.config.store

    def _open_client(self) -> None:
        import chromadb

        # Under the token lock: this thread's own write session can't start or end between reading
        # the token and recording it, so a reopen in the middle of it keeps it as ours.
        with self._token_lock:
            token = self.read_token()  # before opening: a write after this point changes the token
            try:
                self.client = chromadb.PersistentClient(path=str(self.path), settings=chroma_settings())
            except Exception as e:
                raise open_error(self.config, e) from e
            self.seen = token
            # another process's write in progress: don't trust this view; this process's own: still ours
            self.own = token if not token.startswith("w") or token == self.own else None
            self.inode = inode(database(self.path))

    def close(self) -> None:
        """Close the client (caller holds `lock` exclusively); Chroma stops its instance for the folder."""
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):  # a wedged instance (full disk) may fail to stop cleanly
                client.close()

    def reopen(self) -> None:
        """Close this process's Chroma client for the store and open a fresh one (caller holds `lock`)."""
        self.close()
        self._open_client()
        self.broken = False
        self.epoch += 1

    # -- the generation token ------------------------------------------------------------

    def read_token(self) -> str:
        if not self.embedded or self.snapshot:
            return ""
        try:
            with open(self.config.store / GENERATION_NAME, "rb") as f:
                return f.read(64).decode("ascii", "replace").strip()
        except OSError:
            return ""

    def _write_token(self, token: str) -> None:
        fd = os.open(self.config.store / GENERATION_NAME, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            data = token.encode("ascii")
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)

    def _changed(self, token: str) -> bool:
        return self.broken or token != self.seen or inode(database(self.config.store)) != self.inode

    def sync(self) -> None:
        """Reopen if another process wrote since this one last looked (embedded mode)."""
        if not self.embedded or self.snapshot:
            return
        with self._token_lock:  # not between a write session's token and its record of it
            changed = self._changed(self.read_token())
        if not changed:
            return
        with self.lock.exclusive():
            with self._token_lock:
                changed = self._changed(self.read_token())
            if changed:
                self.reopen()  # records the token it opened at

    def begin_write(self) -> None:
        """Before writing (writer lock held): make sure this view is fresh."""
        if not self.embedded:
            return
        with self._token_lock:
            token = self.read_token()
            stale = self.own is None or token != self.own or inode(database(self.config.store)) != self.inode
        if stale or self.broken:
            with self.lock.exclusive():
                self.reopen()

    def mark_writing(self) -> None:
        """Tell other processes that this store is changing (first write of a session)."""
        if not self.embedded:
            return
        with self._token_lock:
            if self.seen.startswith("w") and self.seen == self.own:
                return  # already marked in this session
            token = "w" + uuid.uuid4().hex
            try:
                self._write_token(token)
            except OSError as e:
                raise write_error(self.config, e) from e
            self.seen = self.own = token  # under the lock: no sync compares in between

    def end_write(self) -> None:
        if not self.embedded:
            return
        with self._token_lock:
            if not (self.seen.startswith("w") and self.seen == self.own):
                return  # nothing was written
            token = "d" + uuid.uuid4().hex
            self.seen = self.own = token
            with contextlib.suppress(OSError):  # a full disk: the "w" token stays, which readers see too
                self._write_token(token)

    def generation(self) -> str:
        """The token and the database's inode: changes whenever a write session starts or ends."""
        return f"{self.read_token()}:{inode(database(self.config.store))}"

    # -- calls -----------------------------------------------------------------------------

    def call(self, op: str, fn: Callable[[], object], write: bool | None = None):
        """Run one Chroma call; its failures become `StoreError`s. Server mode retries a lost connection once."""
        write = op in _WRITE_OPS if write is None else write
        attempts = 1 if self.embedded else 2
        if op != "open":
            self.sync()  # one small read: catch up with another process's writes first
        for attempt in range(attempts):
            try:
                with self.lock.shared():
                    return fn()
            except StoreError:
                raise
            except (KeyboardInterrupt, SystemExit, GeneratorExit):
                raise
            except BaseException as e:  # noqa: BLE001 - Chroma's Rust panics are BaseExceptions
                if attempt + 1 < attempts and is_transient(e):
                    time.sleep(0.5)
                    continue
                if self.embedded and not self.snapshot:
                    self.broken = True
                raise chroma_error(self.config, e, write=write) from e
        raise AssertionError("unreachable")


# -- the registry: one connection per store folder in this process ---------------------------

_connections: dict[str, Connection] = {}
_connections_guard = threading.Lock()


def connect(config: StoreConfig, create: bool) -> Connection:
    if config.chroma_url:
        return Connection(config)
    path = config.store
    if create:
        prepare_folder(config)
    elif not database(path).exists():
        raise StoreNotFound(
            f"No store at {path}.", "Ingest articles first: `sourced ingest seeds/` (or pass --store DIR)."
        )
    key = str(path.resolve())
    with _connections_guard:
        conn = _connections.get(key)
        if conn is not None and conn.snapshot is not None and writable(path):
            conn = None  # it became writable: read the real thing from now on
        if conn is None:
            conn = Connection(config, None if writable(path) else snapshot(config))
            _connections[key] = conn
    conn.sync()
    return conn


def release(config: StoreConfig) -> None:
    """Close this process's Chroma client for an embedded store (before unmounting or deleting it).

    `Store`s opened on it before stop working; open them again.
    """
    if config.chroma_url:
        return
    with _connections_guard:
        conn = _connections.pop(str(config.store.resolve()), None)
    if conn is not None:
        with conn.lock.exclusive():
            conn.close()


def _http_client(config: StoreConfig):
    import chromadb

    url = urlparse(config.chroma_url if "://" in config.chroma_url else f"http://{config.chroma_url}")
    try:
        client = chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings(),
        )
        client.heartbeat()
    except Exception as e:  # any failure to reach it means the same to the user
        raise StoreUnavailable(
            f"Cannot reach the Chroma server at {config.chroma_url} ({type(e).__name__}).",
            "Start it with `chroma run --host 127.0.0.1 --port PORT --path DIR`, or drop --chroma-url.",
        ) from e
    return client
