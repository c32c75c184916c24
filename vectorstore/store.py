"""The Chroma store: chunks with their embeddings, and one record per document.

Layout. A corpus is two Chroma collections (cosine space):

* `<name>` holds the chunks: id, embedding, text, and metadata in llama-index's node format
  (written with `node_to_metadata_dict`), so `ChromaVectorStore` and `VectorStoreIndex` read
  it as their own; plus flat keys `source`, `start`, `end`, `position`, `chunk_hash`...
* `<name>__docs` holds one record per document: its full text (what citations are checked
  against), title, date, path, hash and `version`. Its embedding is the mean of its chunks'.

Why our own writer instead of llama-index's `IngestionPipeline` + docstore: the docstore is a
second file beside Chroma that a killed ingest can leave out of step with it, and it does not
exist in server mode; we also need content-derived chunk ids and exact offsets. Here the
document record *is* the commit: chunks are upserted first (ids derive from content, so an
upsert never duplicates), then the record, then the previous version's chunks are deleted.
Readers trust only chunks whose id starts with a committed record's `version`, so a store
killed at any point reads as either the old or the new version of a document, never both, and
`sweep()` (run by every ingest) deletes whatever a killed run left behind.

Writers hold an exclusive lock, so two ingests into one store are serialized with a clear
"store is busy" message instead of interleaving: a lock file in the store folder (embedded
mode), or a lock collection with a renewed lease on a Chroma server (`_ServerLease`).

Embedded Chroma is not safe across processes on its own: it keeps the vector index in memory, so
a process that keeps a store open (the chat) does not see another process's writes in its vector
searches, and if it then writes (an upload) it persists its stale index over the other's, and the
store loses vectors ("Error finding id"). So every process holds one `_Connection` per store, and
every write session leaves a token in `sourced.generation`: a reader that finds a new token
reopens its client, and a writer reopens it unless the token is the one its own last write left.
Opening is serialized by `sourced.open.lock` (two processes creating one store at once otherwise
race in Chroma's migrations, or one sees the chunk collection before its document collection).

Failures come out as `StoreError`s with a remedy, never as Chroma's or httpx's exceptions: a
Chroma server that went away is `StoreUnavailable` (the next call reconnects by itself; one retry
covers a server restarted between two questions), a full disk `StoreFull` (and ingest stops
before the disk is full: `put_document` keeps `RESERVE_BYTES` free, because once Chroma cannot
apply its log, the store cannot even be read until space is freed). A store folder that cannot
be written is opened for reading from a private temporary copy (Chroma writes even to read).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from .config import DEFAULT_EMBEDDER, StoreConfig
from .errors import (
    StoreBusy,
    StoreError,
    StoreFull,
    StoreIncompatible,
    StoreNotFound,
    StoreReadOnly,
    StoreUnavailable,
)
from .types import Chunk, Document, DocumentRecord

SCHEMA = 1
DOCS_SUFFIX = "__docs"
LOCK_NAME = "sourced.lock"
LOCK_SUFFIX = "__lock"  # server mode: the collection that is the writer lock (see `_ServerLease`)
LEASE_S = 120.0
LEASE_RENEW_S = 20.0
OPEN_LOCK_NAME = "sourced.open.lock"
GENERATION_NAME = "sourced.generation"
RESERVE_BYTES = 2 * 2**20  # ingest stops with StoreFull rather than leave less free than this
CHUNK_BYTES = 24 * 2**10  # disk one chunk takes in Chroma (vector, text, metadata, log, index), rounded up
LOW_SPACE_BYTES = 16 * 2**20  # a Chroma failure with less free than this is reported as a full disk
SNAPSHOT_MAX_BYTES = 2 * 2**30  # the largest read-only store copied to a temporary folder to be read
_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


@dataclass
class StoreStatus:
    location: str
    collection: str
    embedder: str
    documents: list[DocumentRecord]
    chunks: int
    stale_chunks: int

    def to_dict(self) -> dict:
        return {
            "location": self.location,
            "collection": self.collection,
            "embedder": self.embedder,
            "documents": [d.to_dict() for d in self.documents],
            "chunks": self.chunks,
            "stale_chunks": self.stale_chunks,
        }


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def make_client(config: StoreConfig, create: bool):
    """A Chroma client: `HttpClient` for a server URL, `PersistentClient` for a folder.

    In embedded mode this is the process's shared client for that folder (see `_Connection`).
    """
    return _connect(config, create).client


class _RWLock:
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


_WRITE_OPS = {"add", "upsert", "update", "delete", "modify"}


class _Connection:
    """This process's Chroma client for one store, shared by every `Store` opened on it.

    Embedded mode: reopened when another process wrote to the store (see the module docstring);
    `snapshot` is the temporary copy a read-only store is read from. Server mode: one per `Store`,
    never reopened (the server is the only process that touches the data).
    """

    def __init__(self, config: StoreConfig, snapshot: Path | None = None) -> None:
        self.config = config
        self.snapshot = snapshot
        self.lock = _RWLock()
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

        token = self.read_token()  # before opening: a write after this point changes the token
        try:
            self.client = chromadb.PersistentClient(path=str(self.path), settings=_settings())
        except Exception as e:
            raise _open_error(self.config, e) from e
        self.seen = token
        self.own = token if not token.startswith("w") else None  # a write in progress: don't trust this view
        self.inode = _inode(self.path / "chroma.sqlite3")

    def reopen(self) -> None:
        """Drop this process's Chroma instance for the store and open a fresh one (caller holds `lock`)."""
        _drop_system(getattr(self.client, "_identifier", str(self.path)))
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

    def sync(self) -> None:
        """Reopen if another process wrote since this one last looked (embedded mode)."""
        if not self.embedded or self.snapshot:
            return
        token = self.read_token()
        if not self.broken and token == self.seen and _inode(self.config.store / "chroma.sqlite3") == self.inode:
            return
        with self.lock.exclusive():
            if self.broken or token != self.seen or _inode(self.config.store / "chroma.sqlite3") != self.inode:
                self.reopen()
                self.seen = token

    def begin_write(self) -> None:
        """Before writing (lock held): make sure this view is fresh."""
        if not self.embedded:
            return
        token = self.read_token()
        stale = self.own is None or token != self.own or _inode(self.config.store / "chroma.sqlite3") != self.inode
        if stale or self.broken:
            with self.lock.exclusive():
                self.reopen()
                self.seen = token
                self.own = token if not token.startswith("w") else None

    def mark_writing(self) -> None:
        """Tell other processes that this store is changing (first write of a session)."""
        if not self.embedded:
            return
        with self._token_lock:
            if self.seen.startswith("w") and self.seen == self.own:
                return  # already marked in this session
            token = "w" + uuid.uuid4().hex
            self.seen = self.own = token  # set first: this process must not reopen for its own token
            try:
                self._write_token(token)
            except OSError as e:
                raise _write_error(self.config, e) from e

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
                if attempt + 1 < attempts and _transient(e):
                    time.sleep(0.5)
                    continue
                if self.embedded and not self.snapshot:
                    self.broken = True
                raise _chroma_error(self.config, e, write=write) from e
        raise AssertionError("unreachable")


class _Collection:
    """A Chroma collection seen through a `_Connection`: fetched again after a reopen, and every
    method's failure raised as a `StoreError`. Quacks like `chromadb.Collection` (llama-index's
    `ChromaVectorStore` takes it as one)."""

    def __init__(self, conn: _Connection, collection) -> None:
        self._conn = conn
        self._name = collection.name
        self._target = collection
        self._epoch = conn.epoch

    def _current(self):
        if self._epoch != self._conn.epoch:
            self._target = self._conn.client.get_collection(self._name, embedding_function=None)
            self._epoch = self._conn.epoch
        return self._target

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._conn.call(name, lambda: getattr(self._current(), name))
        if not callable(value):
            return value

        def method(*args, **kwargs):
            return self._conn.call(name, lambda: getattr(self._current(), name)(*args, **kwargs))

        method.__name__ = name
        return method

    def __repr__(self) -> str:
        return f"<sourced collection {self._name!r} at {self._conn.config.location}>"


_connections: dict[str, _Connection] = {}
_connections_guard = threading.Lock()


def _connect(config: StoreConfig, create: bool) -> _Connection:
    if config.chroma_url:
        return _Connection(config)
    path = config.store
    if create:
        _prepare_folder(config)
    elif not (path / "chroma.sqlite3").exists():
        raise StoreNotFound(
            f"No store at {path}.", "Ingest articles first: `sourced ingest seeds/` (or pass --store DIR)."
        )
    key = str(path.resolve())
    with _connections_guard:
        conn = _connections.get(key)
        if conn is not None and conn.snapshot is not None and _writable(path):
            conn = None  # it became writable: read the real thing from now on
        if conn is None:
            snapshot = None if _writable(path) else _snapshot(config)
            conn = _Connection(config, snapshot)
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
    if conn is not None and conn.client is not None:
        with conn.lock.exclusive():
            _drop_system(getattr(conn.client, "_identifier", str(conn.path)))


def _prepare_folder(config: StoreConfig) -> None:
    """Make the store folder for writing, or say why it cannot be."""
    path = config.store
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise _write_error(config, e) from e
        raise StoreReadOnly(
            f"Cannot create the store folder {path}: {e.strerror}.", "Choose another folder with --store."
        ) from e
    if not _writable(path):
        raise StoreReadOnly(
            f"The store folder {path} is not writable.",
            "Fix its permissions or choose another folder with --store.",
        )


def _create_collections(client, config: StoreConfig) -> tuple:
    """The record collection, then the chunk collection (a reader that finds the chunks finds the records)."""
    meta = {"sourced_schema": SCHEMA, "embedder": config.embedder or DEFAULT_EMBEDDER, "created": _now()}
    docs = client.get_or_create_collection(
        config.collection + DOCS_SUFFIX,
        metadata=meta,
        configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None,
    )
    chunks = client.get_or_create_collection(
        config.collection, metadata=meta, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    return docs, chunks


def _create_embedded(config: StoreConfig) -> None:
    """Create a new embedded store with its collections all at once (caller holds the open lock).

    The database is made in a hidden folder inside the store folder and renamed into place, so a
    process killed while creating leaves no half-made store: `chroma.sqlite3` exists only with
    both collections in it, created with the embedder this ingest asked for.
    """
    import chromadb

    for old in config.store.glob(".creating-*"):  # left by a creator that was killed
        shutil.rmtree(old, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".creating-", dir=config.store))
    try:
        try:
            client = chromadb.PersistentClient(path=str(tmp), settings=_settings())
            _create_collections(client, config)
        except Exception as e:
            raise _open_error(config, e) from e
        _drop_system(getattr(client, "_identifier", str(tmp)))  # closes the database
        items = sorted(tmp.iterdir(), key=lambda f: f.name == "chroma.sqlite3")  # the database itself last
        for item in items:
            os.rename(item, config.store / item.name)
    except OSError as e:
        raise _write_error(config, e) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _drop_system(identifier: str) -> None:
    """Stop and forget chromadb's cached instance for a folder (the next client opens a fresh one)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()


def _http_client(config: StoreConfig):
    import chromadb

    url = urlparse(config.chroma_url if "://" in config.chroma_url else f"http://{config.chroma_url}")
    try:
        client = chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=_settings(),
        )
        client.heartbeat()
    except Exception as e:  # chromadb raises several kinds for a server that is down
        raise StoreUnavailable(
            f"Cannot reach the Chroma server at {config.chroma_url} ({type(e).__name__}).",
            "Start it with `chroma run --host 127.0.0.1 --port PORT --path DIR`, or drop --chroma-url.",
        ) from e
    return client


def _writable(path: Path) -> bool:
    db = path / "chroma.sqlite3"
    return os.access(path, os.W_OK) and (not db.exists() or os.access(db, os.W_OK))


def _inode(path: Path) -> int:
    try:
        return os.stat(path).st_ino
    except OSError:
        return 0


def _snapshot(config: StoreConfig) -> Path:
    """Copy a read-only store to a private temporary folder (removed at exit) to read it there."""
    path = config.store
    size = _folder_bytes(path)
    tmp_root = Path(tempfile.gettempdir())
    free = _free_bytes(tmp_root) or 0
    if size > SNAPSHOT_MAX_BYTES or size * 2 > free:
        raise StoreReadOnly(
            f"The store at {path} is read-only, and Chroma cannot open a store it cannot write "
            f"({size / 2**20:.0f} MB: too large to read from a temporary copy).",
            f"Copy it to a writable folder (cp -r {path} DIR) and pass --store DIR.",
        )
    target = Path(tempfile.mkdtemp(prefix="sourced-readonly-"))
    atexit.register(shutil.rmtree, target, True)
    try:
        shutil.copytree(
            path, target / "store", ignore=shutil.ignore_patterns(LOCK_NAME, OPEN_LOCK_NAME, GENERATION_NAME)
        )
    except OSError as e:
        raise StoreReadOnly(
            f"The store at {path} is read-only, and copying it to read it failed: {e.strerror or e}.",
            f"Copy it to a writable folder (cp -r {path} DIR) and pass --store DIR.",
        ) from e
    return target / "store"


def _folder_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(root, name))
    return total


def _free_bytes(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


@contextlib.contextmanager
def _open_lock(config: StoreConfig, exclusive: bool) -> Iterator[None]:
    """Serialize opening (and creating) a store across processes; shared for readers."""
    if config.chroma_url:
        yield
        return
    try:
        fd = os.open(config.store / OPEN_LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield  # a read-only store: nobody can be creating it
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


class Store:
    """One corpus in Chroma: its chunk collection and its document-record collection."""

    def __init__(self, config: StoreConfig, conn: _Connection, chunks, docs) -> None:
        self.config = config
        self._conn = conn
        self.chunks = chunks if isinstance(chunks, _Collection) else _Collection(conn, chunks)
        self.docs = docs if isinstance(docs, _Collection) else _Collection(conn, docs)

    @property
    def client(self):
        """The underlying Chroma client (after a reopen, the new one)."""
        return self._conn.client

    @property
    def read_only(self) -> bool:
        """Opened from a temporary copy of a store that cannot be written."""
        return self._conn.snapshot is not None

    def generation(self) -> str | None:
        """A cheap marker that changes whenever a write session starts or ends (embedded mode):
        readers compare it instead of listing every record per question. Starts with "w" while a
        write is in progress (not settled yet). None on a Chroma server, which keeps no marker."""
        if not self._conn.embedded:
            return None
        if self.read_only:
            return "read-only"  # a private copy: nothing else writes it
        return f"{self._conn.read_token()}:{_inode(self.config.store / 'chroma.sqlite3')}"

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, config: StoreConfig, create: bool = False) -> Store:
        """Open the corpus `config.collection`; with `create`, make it if it is missing.

        Reading never creates anything: a missing store or collection is `StoreNotFound`.
        """
        _check_collection_name(config.collection)
        if not config.chroma_url and create:
            _prepare_folder(config)  # the folder first: the open lock lives in it
        elif not config.chroma_url and not (config.store / "chroma.sqlite3").exists():
            raise StoreNotFound(
                f"No store at {config.store}.",
                "Ingest articles first: `sourced ingest seeds/` (or pass --store DIR).",
            )
        with _open_lock(config, exclusive=create):
            if create and not config.chroma_url and not (config.store / "chroma.sqlite3").exists():
                _create_embedded(config)
            conn = _connect(config, create)
            store = conn.call("open", lambda: cls._open(config, conn, create), write=create)
        store._check_compatible()
        return store

    @classmethod
    def _open(cls, config: StoreConfig, conn: _Connection, create: bool) -> Store:
        client = conn.client
        names = {getattr(c, "name", c) for c in client.list_collections()}
        docs_name = config.collection + DOCS_SUFFIX
        if config.collection in names and docs_name not in names:
            raise StoreIncompatible(
                f"Collection '{config.collection}' at {config.location} was not written by sourced "
                f"(or by an older version).",
                "Ingest into a new --store or --collection.",
            )
        if config.collection not in names:
            if not create:
                raise StoreNotFound(
                    f"The store at {config.location} has no collection '{config.collection}'.",
                    f"Ingest articles first: `sourced ingest seeds/ --collection {config.collection}`.",
                )
            if conn.snapshot is not None:
                raise StoreReadOnly(f"The store at {config.location} is read-only.", "Choose another --store.")
            docs, chunks = _create_collections(client, config)
        else:
            chunks = client.get_collection(config.collection, embedding_function=None)
            docs = client.get_collection(docs_name, embedding_function=None)
        return cls(config, conn, chunks, docs)

    def _check_compatible(self) -> None:
        meta = self.docs.metadata or {}
        schema = meta.get("sourced_schema")
        if schema != SCHEMA:
            raise StoreIncompatible(
                f"The store at {self.config.location} has format {schema}; this version reads format {SCHEMA}.",
                "Re-ingest into a new --store (your article files are not touched).",
            )
        if self.config.embedder and meta.get("embedder") != self.config.embedder:
            raise StoreIncompatible(
                f"The collection '{self.config.collection}' was embedded with '{meta.get('embedder')}', "
                f"not '{self.config.embedder}'.",
                "Use the same embedder (--embedder / SOURCED_EMBEDDER) or ingest into a new --collection.",
            )

    @property
    def embedder_name(self) -> str:
        return (self.docs.metadata or {}).get("embedder") or self.config.embedder or DEFAULT_EMBEDDER

    # -- locking -----------------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self, wait_s: float = 0.0) -> Iterator[None]:
        """Exclusive write access: a thread lock, and in embedded mode a lock file.

        Raises `StoreBusy` if another writer holds it for longer than `wait_s` seconds.
        """
        key = self.config.location + "|" + self.config.collection
        with _process_locks_guard:
            tlock = _process_locks.setdefault(key, threading.Lock())
        acquired = tlock.acquire(timeout=wait_s) if wait_s > 0 else tlock.acquire(blocking=False)
        if not acquired:
            raise StoreBusy(
                f"The store at {self.config.location} is busy: another ingest in this process is writing to it.",
                "Try again when it has finished.",
            )
        if self.read_only:
            tlock.release()
            raise StoreReadOnly(
                f"The store at {self.config.location} is read-only (it is read from a temporary copy).",
                "Fix its permissions or choose another folder with --store.",
            )
        try:
            if self.config.chroma_url:
                with _ServerLease(self._conn, self.config, wait_s):
                    yield
                return
            lock_path = self.config.store / LOCK_NAME
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise _write_error(self.config, e) from e
            try:
                deadline = time.monotonic() + wait_s
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            holder = _read_holder(fd)
                            raise StoreBusy(
                                f"The store at {self.config.location} is busy: another ingest{holder} is writing.",
                                "Wait for it to finish, then run this again.",
                            ) from None
                        time.sleep(0.1)
                os.ftruncate(fd, 0)
                os.write(fd, json.dumps({"pid": os.getpid(), "since": _now()}).encode())
                self._conn.begin_write()  # another process may have written since we looked
                try:
                    yield
                finally:
                    self._conn.end_write()
            finally:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                os.close(fd)  # closing releases the flock
        finally:
            tlock.release()

    # -- reading -----------------------------------------------------------------------

    def records(self) -> dict[str, DocumentRecord]:
        """Committed document records by source."""
        got = self.docs.get(include=["metadatas"])
        return {m["source"]: _record(m) for m in got["metadatas"] or []}

    def valid_versions(self) -> set[str]:
        return {r.version for r in self.records().values()}

    def document_text(self, source: str) -> str | None:
        got = self.docs.get(ids=[source], include=["documents"])
        docs = got.get("documents") or []
        return docs[0] if docs else None

    def chunk_ids(self) -> list[str]:
        return list(self.chunks.get(include=[])["ids"])

    def stale_ids(self, versions: set[str] | None = None) -> list[str]:
        versions = self.valid_versions() if versions is None else versions
        return [i for i in self.chunk_ids() if i.split("-", 1)[0] not in versions]

    def count(self) -> int:
        """Chunks that belong to committed documents."""
        versions = self.valid_versions()
        return sum(1 for i in self.chunk_ids() if i.split("-", 1)[0] in versions)

    def all_chunks(self, batch: int = 5000) -> list[Chunk]:
        """Every valid chunk (for the lexical index), in (source, position) order."""
        versions = self.valid_versions()
        out: list[Chunk] = []
        total = self.chunks.count()
        for offset in range(0, total, batch):
            got = self.chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if cid.split("-", 1)[0] in versions:
                    out.append(chunk_from_metadata(text, meta))
        out.sort(key=lambda c: (c.source, c.position))
        return out

    def nodes(self, batch: int = 5000) -> list:
        """Every valid chunk as the llama-index `TextNode` that `ChromaVectorStore` would return."""
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        versions = self.valid_versions()
        out = []
        total = self.chunks.count()
        for offset in range(0, total, batch):
            got = self.chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if cid.split("-", 1)[0] in versions:
                    out.append(metadata_dict_to_node(meta, text=text))
        return out

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        got = self.chunks.get(ids=list(ids), include=["embeddings"])
        return {i: e for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def embeddings_by_chunk_hash(self, hashes: Sequence[str]) -> dict[str, list[float]]:
        """Stored embeddings of chunks whose text hash is in `hashes` (to skip re-embedding)."""
        found: dict[str, list[float]] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            got = self.chunks.get(
                where={"chunk_hash": {"$in": unique[i : i + 500]}}, include=["embeddings", "metadatas"]
            )
            for emb, meta in zip(got["embeddings"], got["metadatas"], strict=True):
                found[meta["chunk_hash"]] = [float(x) for x in emb]
        return found

    def status(self) -> StoreStatus:
        records = sorted(self.records().values(), key=lambda r: r.source)
        ids = self.chunk_ids()
        versions = {r.version for r in records}
        valid = sum(1 for i in ids if i.split("-", 1)[0] in versions)
        return StoreStatus(
            self.config.location, self.config.collection, self.embedder_name, records, valid, len(ids) - valid
        )

    def vector_store(self):
        """This corpus as a llama-index `ChromaVectorStore` (for `VectorStoreIndex`)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)

    # -- writing (call inside `with store.writer():`) -------------------------------------

    def put_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        embeddings: Sequence[Sequence[float]],
        previous: DocumentRecord | None = None,
    ) -> DocumentRecord:
        """Write a document's chunks, then commit its record, then drop its previous version."""
        assert len(chunks) == len(embeddings)
        version = chunks[0].version if chunks else ""
        self._check_space(document, len(chunks))
        self._conn.mark_writing()
        try:
            step = max(1, min(self.client.get_max_batch_size(), 1000))
            for i in range(0, len(chunks), step):
                part = chunks[i : i + step]
                self.chunks.upsert(
                    ids=[c.id for c in part],
                    embeddings=[list(e) for e in embeddings[i : i + step]],
                    documents=[c.text for c in part],
                    metadatas=[chunk_metadata(c) for c in part],
                )
            record = DocumentRecord(
                source=document.source,
                title=document.title,
                published=document.published,
                path=document.path,
                doc_hash=document.content_hash,
                version=version,
                chunks=len(chunks),
                chars=len(document.text),
                format=document.format,
                ingested_at=_now(),
            )
            self.docs.upsert(
                ids=[document.source],
                embeddings=[_mean(embeddings)],
                documents=[document.text],
                metadatas=[_record_metadata(record)],
            )
            if previous is not None and previous.version != version:
                self._delete_version(previous.version)
        except StoreError:
            raise
        except Exception as e:
            raise _write_error(self.config, e) from e
        return record

    def delete_document(self, record: DocumentRecord) -> None:
        """Remove a document: its record first (so its chunks stop counting), then its chunks."""
        self._conn.mark_writing()
        try:
            self.docs.delete(ids=[record.source])
            self._delete_version(record.version)
        except Exception as e:
            raise _write_error(self.config, e) from e

    def sweep(self) -> int:
        """Delete chunks no committed record vouches for (left by a killed ingest)."""
        stale = self.stale_ids()
        if stale:
            self._conn.mark_writing()
        for i in range(0, len(stale), 1000):
            self.chunks.delete(ids=stale[i : i + 1000])
        return len(stale)

    def _check_space(self, document: Document, n_chunks: int) -> None:
        """Refuse a write that would leave less than `RESERVE_BYTES` free (embedded mode).

        Chroma cannot be read while it cannot apply its log, so running the disk full would make
        the whole store unreadable until space is freed; stopping short keeps it readable.
        """
        if self.config.chroma_url:
            return
        free = _free_bytes(self.config.store)
        if free is None:
            return
        need = n_chunks * CHUNK_BYTES + 4 * len(document.text.encode("utf-8", "replace")) + RESERVE_BYTES
        if free < need:
            raise StoreFull(
                f"The disk holding {self.config.location} is full: {_size(free)} free, and storing "
                f"{document.source} needs about {_size(need - RESERVE_BYTES)} plus {_size(RESERVE_BYTES)} kept "
                f"free; {document.source} and the files after it were not stored.",
                "Free some space and run the ingest again; what was stored before is intact.",
            )

    def _delete_version(self, version: str) -> None:
        ids = [i for i in self.chunk_ids() if i.split("-", 1)[0] == version]
        for i in range(0, len(ids), 1000):
            self.chunks.delete(ids=ids[i : i + 1000])


# -- metadata <-> types ------------------------------------------------------------------


def chunk_metadata(chunk: Chunk) -> dict:
    """Flat Chroma metadata for a chunk, in llama-index's node format plus our own keys."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    meta = {
        "source": chunk.source,
        "title": chunk.title,
        "published": chunk.published or "",
        "start": chunk.start,
        "end": chunk.end,
        "position": chunk.position,
        "doc_hash": chunk.doc_hash,
        "version": chunk.version,
        "chunk_hash": chunk.chunk_hash,
    }
    node = TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=meta,
        start_char_idx=chunk.start,
        end_char_idx=chunk.end,
        excluded_embed_metadata_keys=list(meta),
        excluded_llm_metadata_keys=list(meta),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.source)},
    )
    return node_to_metadata_dict(node, remove_text=True, flat_metadata=True)


def chunk_from_metadata(text: str, meta: dict) -> Chunk:
    return Chunk(
        source=meta["source"],
        position=int(meta["position"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        doc_hash=meta["doc_hash"],
        version=meta["version"],
        title=meta.get("title", ""),
        published=meta.get("published") or None,
    )


def _record_metadata(r: DocumentRecord) -> dict:
    return {k: v for k, v in r.to_dict().items() if v is not None}


def _record(meta: dict) -> DocumentRecord:
    return DocumentRecord(
        source=meta["source"],
        title=meta.get("title", ""),
        published=meta.get("published") or None,
        path=meta.get("path", ""),
        doc_hash=meta["doc_hash"],
        version=meta["version"],
        chunks=int(meta.get("chunks", 0)),
        chars=int(meta.get("chars", 0)),
        format=meta.get("format", ""),
        ingested_at=meta.get("ingested_at", ""),
    )


def _mean(vectors: Sequence[Sequence[float]]) -> list[float]:
    if not vectors:
        return [1.0] + [0.0] * 383
    n = len(vectors[0])
    mean = [sum(v[i] for v in vectors) / len(vectors) for i in range(n)]
    norm = sum(x * x for x in mean) ** 0.5 or 1.0
    return [x / norm for x in mean]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _ServerLease:
    """The writer lock of a collection on a Chroma server, which several machines may write to.

    A lock file cannot serve there; a collection can: creating one is atomic on the server (a
    second `create_collection` of the same name fails), so `<collection>__lock` exists exactly
    while one writer holds the lock. Its metadata names the holder and an expiry that a
    background thread pushes forward every `LEASE_RENEW_S`; a lock whose holder died (no renewal
    for `LEASE_S`) is taken over, so a killed ingest blocks others for at most that long.
    """

    def __init__(self, conn: _Connection, config: StoreConfig, wait_s: float) -> None:
        self.client, self.config, self.wait_s = conn.client, config, wait_s
        self.name = config.collection + LOCK_SUFFIX
        self.token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _meta(self) -> dict:
        return {"token": self.token, "pid": os.getpid(), "host": os.uname().nodename, "since": _now(),
                "expires": time.time() + LEASE_S}  # fmt: skip

    def __enter__(self) -> _ServerLease:
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                self.client.create_collection(self.name, metadata=self._meta(), embedding_function=None)
                break
            except Exception as e:  # "already exists" (chromadb's class for it varies by version)
                if "exist" not in str(e).lower():
                    raise _chroma_error(self.config, e, write=True) from e
                holder = self._holder()
                if holder is not None and holder.get("expires", 0) < time.time():
                    with contextlib.suppress(Exception):  # a dead holder's lease: take it over
                        self.client.delete_collection(self.name)
                    continue
                if time.monotonic() >= deadline:
                    who = f" (pid {holder['pid']} on {holder['host']}, since {holder['since']})" if holder else ""
                    raise StoreBusy(
                        f"The store at {self.config.location} is busy: another ingest{who} is writing.",
                        "Wait for it to finish, then run this again.",
                    ) from None
                time.sleep(0.2)
        self._renewer = threading.Thread(target=self._renew, name="sourced-lease", daemon=True)
        self._renewer.start()
        return self

    def _holder(self) -> dict | None:
        try:
            return dict(self.client.get_collection(self.name, embedding_function=None).metadata or {})
        except Exception:
            return None  # released meanwhile

    def _renew(self) -> None:
        while not self._stop.wait(LEASE_RENEW_S):
            with contextlib.suppress(Exception):  # a server restart: the next renewal tries again
                held = self.client.get_collection(self.name, embedding_function=None)
                if (held.metadata or {}).get("token") == self.token:
                    held.modify(metadata={**held.metadata, "expires": time.time() + LEASE_S})

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(5)
        holder = self._holder()
        if holder is not None and holder.get("token") == self.token:
            with contextlib.suppress(Exception):
                self.client.delete_collection(self.name)


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 200, 0) or b"{}")
        return f" (pid {info['pid']}, since {info['since']})" if "pid" in info else ""
    except (OSError, ValueError):
        return ""


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


_DISK_FULL = re.compile(r"no space left|disk is full|database or disk is full|enospc|quota exceeded", re.I)
_READ_ONLY = re.compile(r"readonly|read-only|permission denied", re.I)


def _disk_full(config: StoreConfig, e: BaseException) -> int | None:
    """Free bytes if `e` looks like a full disk (said so, or little space left), else None."""
    if config.chroma_url:
        return None
    free = _free_bytes(config.store if config.store.exists() else config.store.parent)
    said = isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT) or _DISK_FULL.search(str(e))
    if said or (free is not None and free < LOW_SPACE_BYTES):
        return free if free is not None else 0
    return None


def _transient(e: BaseException) -> bool:
    """A lost or refused connection (a Chroma server restarting): worth one retry."""
    try:
        import httpx

        if isinstance(e, httpx.TransportError):
            return True
    except ImportError:  # pragma: no cover - chromadb depends on httpx
        pass
    return isinstance(e, ConnectionError)


def _chroma_error(config: StoreConfig, e: BaseException, write: bool) -> StoreError:
    """A `StoreError` that says what happened to a Chroma call and what to do."""
    if isinstance(e, StoreError):
        return e
    if write:
        return _write_error(config, e)
    text = " ".join(str(e).split())
    if config.chroma_url:
        if _transient(e):
            return StoreUnavailable(
                f"Lost the connection to the Chroma server at {config.chroma_url} ({type(e).__name__}).",
                "Check that it is running (`chroma run --path DIR --port PORT`); the next question reconnects by "
                "itself.",
            )
        if type(e).__name__ == "NotFoundError":
            return StoreNotFound(
                f"The collection '{config.collection}' is no longer on the Chroma server at {config.chroma_url} "
                f"({text[:120]}).",
                "Was the server restarted with another --path? Ingest the articles again.",
            )
        return StoreUnavailable(
            f"The Chroma server at {config.chroma_url} failed: {text[:200]}.", "Check its log, then try again."
        )
    free = _disk_full(config, e)
    if free is not None:
        return StoreFull(
            f"The disk holding {config.location} is full ({_size(free)} free): Chroma cannot finish applying "
            f"the last write, so the store cannot be read.",
            "Free some space, then try again; nothing stored is lost.",
        )
    if _READ_ONLY.search(text):
        return StoreReadOnly(
            f"The store at {config.location} cannot be written, and Chroma must write to read it ({text[:120]}).",
            f"Copy it to a writable folder (cp -r {config.location} DIR) and pass --store DIR.",
        )
    return StoreError(
        f"Reading the store at {config.location} failed: {type(e).__name__}: {text[:200]}.",
        "Try again; if it keeps failing, ingest into a new --store.",
    )


def _open_error(config: StoreConfig, e: BaseException) -> StoreError:
    """Opening an embedded store failed."""
    text = " ".join(str(e).split())
    if _disk_full(config, e) is not None:
        return _write_error(config, e)
    if _READ_ONLY.search(text):
        return StoreReadOnly(
            f"The store at {config.location} cannot be opened: it cannot be written ({text[:120]}).",
            f"Copy it to a writable folder (cp -r {config.location} DIR) and pass --store DIR.",
        )
    if "database is locked" in text:
        return StoreBusy(
            f"The store at {config.location} is busy: another program holds its database ({text[:120]}).",
            "Try again in a moment.",
        )
    return StoreError(
        f"Cannot open the store at {config.location}: {text[:200]}.",
        "If it was made by another program, point --store at a new folder.",
    )


def _write_error(config: StoreConfig, e: BaseException) -> StoreError:
    if isinstance(e, StoreError):
        return e
    text = " ".join(str(e).split())
    if config.chroma_url and _transient(e):
        return StoreUnavailable(
            f"Lost the connection to the Chroma server at {config.chroma_url} ({type(e).__name__}); "
            f"the write was not completed.",
            "Check that it is running, then run the ingest again; what was stored before is intact.",
        )
    free = _disk_full(config, e)
    if free is not None:
        return StoreFull(
            f"The disk holding {config.location} is full ({_size(free)} free); the write was not completed.",
            "Free some space and run the ingest again; what was stored before is intact.",
        )
    if isinstance(e, PermissionError) or _READ_ONLY.search(text):
        return StoreReadOnly(
            f"The store at {config.location} cannot be written ({text[:120]}).",
            "Fix its permissions or choose another folder with --store.",
        )
    if config.chroma_url:
        return StoreUnavailable(
            f"The Chroma server at {config.chroma_url} failed: {text[:200]}.",
            "Check that it is running, then try again.",
        )
    return StoreError(
        f"Writing to the store at {config.location} failed: {type(e).__name__}: {text[:200]}.",
        "Run the ingest again; what was stored before is intact.",
    )


def _check_collection_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,56}[A-Za-z0-9]", name) or ".." in name:
        raise StoreError(
            f"Invalid collection name '{name}'.",
            "Use 3-58 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.",
        )
