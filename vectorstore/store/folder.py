"""The store folder on disk (embedded mode): making it, creating a store in it atomically, the
open lock, and reading a folder that cannot be written from a private copy.

Why each exists:

* Creating is atomic because a process killed half-way through creating a store must not leave
  a `chroma.sqlite3` without both collections: the database is made in a hidden folder inside
  the store folder and renamed into place, the database file last.
* Opening is serialized by `sourced.open.lock` (shared for readers, exclusive for a creator):
  two processes creating one store at once otherwise race in Chroma's migrations, or one sees
  the chunk collection before its document collection.
* Chroma writes even to read, so a read-only folder is copied to a temporary folder (removed
  at exit) and read there; copies over `SNAPSHOT_MAX_BYTES`, or over half the free temporary
  space, are refused with a message instead.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..config import StoreConfig
from ..errors import StoreReadOnly, free_bytes, open_error, write_error
from .layout import create_collections

LOCK_NAME = "sourced.lock"  # the writer lock file (see `locks.py`)
OPEN_LOCK_NAME = "sourced.open.lock"
GENERATION_NAME = "sourced.generation"  # the write-session token (see `connection.py`)
DATABASE_NAME = "chroma.sqlite3"
SNAPSHOT_MAX_BYTES = 2 * 2**30  # the largest read-only store copied to a temporary folder to be read


def chroma_settings():
    """The only settings sourced gives Chroma: no telemetry, no `reset()`, no credentials."""
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def database(path: Path) -> Path:
    return path / DATABASE_NAME


def writable(path: Path) -> bool:
    db = database(path)
    return os.access(path, os.W_OK) and (not db.exists() or os.access(db, os.W_OK))


def inode(path: Path) -> int:
    """The file's inode, 0 if missing: a store replaced by another (copied over, re-created) has a new one."""
    try:
        return os.stat(path).st_ino
    except OSError:
        return 0


def prepare_folder(config: StoreConfig) -> None:
    """Make the store folder for writing, or say why it cannot be."""
    path = config.store
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise write_error(config, e) from e
        raise StoreReadOnly(
            f"Cannot create the store folder {path}: {e.strerror}.", "Choose another folder with --store."
        ) from e
    if not writable(path):
        raise StoreReadOnly(
            f"The store folder {path} is not writable.",
            "Fix its permissions or choose another folder with --store.",
        )


def create_embedded(config: StoreConfig) -> None:
    """Create a new embedded store with its collections all at once (caller holds the open lock).

    `chroma.sqlite3` appears only with both collections in it, created with the embedder this
    ingest asked for.
    """
    import chromadb

    for old in config.store.glob(".creating-*"):  # left by a creator that was killed
        shutil.rmtree(old, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".creating-", dir=config.store))
    try:
        try:
            client = chromadb.PersistentClient(path=str(tmp), settings=chroma_settings())
            try:
                create_collections(client, config)
            finally:
                client.close()  # the only client on `tmp`: this stops Chroma there and closes the database
        except Exception as e:
            raise open_error(config, e) from e
        items = sorted(tmp.iterdir(), key=lambda f: f.name == DATABASE_NAME)  # the database itself last
        for item in items:
            os.rename(item, config.store / item.name)
    except OSError as e:
        raise write_error(config, e) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def open_lock(config: StoreConfig, exclusive: bool) -> Iterator[None]:
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


def snapshot(config: StoreConfig) -> Path:
    """Copy a read-only store to a private temporary folder (removed at exit) to read it there."""
    path = config.store
    size = _folder_bytes(path)
    free = free_bytes(Path(tempfile.gettempdir())) or 0
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
