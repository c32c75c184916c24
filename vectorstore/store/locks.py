"""The writer lock: one writer per store at a time, and "store is busy" for the others.

Why: two ingests interleaving their commits into one store would each sweep the other's
uncommitted chunks, and in embedded mode two writers would persist each other's stale vector
index (see `connection.py`). So writing needs the lock, and a second writer is told who holds it.

* In this process: a thread lock per store and collection.
* Embedded mode: an exclusive, non-blocking `flock` on `<store>/sourced.lock`, which holds the
  holder's `{"pid", "since"}`. The kernel releases it when the holder dies, however it dies.
* Server mode: several machines may write to one server, where a lock file cannot serve, but a
  collection can (`ServerLease`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator

from ..config import StoreConfig
from ..errors import StoreBusy, StoreReadOnly, chroma_error, is_not_found, write_error
from .connection import Connection
from .folder import LOCK_NAME
from .layout import now

LOCK_SUFFIX = "__lock"  # server mode: the collection that is the writer lock
LEASE_S = 120.0
LEASE_RENEW_S = 20.0
_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


@contextlib.contextmanager
def writer_lock(config: StoreConfig, conn: Connection, wait_s: float = 0.0) -> Iterator[None]:
    """Exclusive write access; `StoreBusy` if another writer holds it for longer than `wait_s` seconds."""
    key = config.location + "|" + config.collection
    with _process_locks_guard:
        tlock = _process_locks.setdefault(key, threading.Lock())
    acquired = tlock.acquire(timeout=wait_s) if wait_s > 0 else tlock.acquire(blocking=False)
    if not acquired:
        raise StoreBusy(
            f"The store at {config.location} is busy: another ingest in this process is writing to it.",
            "Try again when it has finished.",
        )
    if conn.snapshot is not None:
        tlock.release()
        raise StoreReadOnly(
            f"The store at {config.location} is read-only (it is read from a temporary copy).",
            "Fix its permissions or choose another folder with --store.",
        )
    try:
        if config.chroma_url:
            with ServerLease(conn, config, wait_s):
                yield
            return
        with _lock_file(config, wait_s):
            conn.begin_write()  # another process may have written since we looked
            try:
                yield
            finally:
                conn.end_write()
    finally:
        tlock.release()


@contextlib.contextmanager
def _lock_file(config: StoreConfig, wait_s: float) -> Iterator[None]:
    try:
        fd = os.open(config.store / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise write_error(config, e) from e
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"The store at {config.location} is busy: another ingest{_read_holder(fd)} is writing.",
                        "Wait for it to finish, then run this again.",
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": now()}).encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing releases the flock


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 200, 0) or b"{}")
        return f" (pid {info['pid']}, since {info['since']})" if "pid" in info else ""
    except (OSError, ValueError):
        return ""


class ServerLease:
    """The writer lock of a collection on a Chroma server.

    Creating a collection is atomic on the server (a second `create_collection` of the same name
    fails), so `<collection>__lock` exists exactly while one writer holds the lock. Its metadata
    names the holder and an expiry that a background thread pushes forward every `LEASE_RENEW_S`;
    a lock whose holder died (no renewal for `LEASE_S`) is taken over, so a killed ingest blocks
    others for at most that long.
    """

    def __init__(self, conn: Connection, config: StoreConfig, wait_s: float) -> None:
        self.client, self.config, self.wait_s = conn.client, config, wait_s
        self.name = config.collection + LOCK_SUFFIX
        self.token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _meta(self) -> dict:
        return {"token": self.token, "pid": os.getpid(), "host": os.uname().nodename, "since": now(),
                "expires": time.time() + LEASE_S}  # fmt: skip

    def __enter__(self) -> ServerLease:
        deadline = time.monotonic() + self.wait_s
        missing_retried = False
        while True:
            try:
                self.client.create_collection(self.name, metadata=self._meta(), embedding_function=None)
                break
            except Exception as e:
                # Whether the create failed because the lock exists is asked of the server, not read
                # from the error: Chroma raises a generic error class for "already exists".
                try:
                    holder = self._holder()
                except Exception:
                    raise chroma_error(self.config, e, write=True) from e
                if holder is None:  # not there: the holder just released it, or the create really failed
                    if missing_retried:
                        raise chroma_error(self.config, e, write=True) from e
                    missing_retried = True
                    continue
                missing_retried = False
                if holder.get("expires", 0) < time.time():
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
        """The lock's metadata; None when there is no lock (other failures are raised)."""
        try:
            return dict(self.client.get_collection(self.name, embedding_function=None).metadata or {})
        except Exception as e:
            if is_not_found(e):
                return None
            raise

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
        with contextlib.suppress(Exception):  # the server went away: the lease expires by itself
            holder = self._holder()
            if holder is not None and holder.get("token") == self.token:
                self.client.delete_collection(self.name)
