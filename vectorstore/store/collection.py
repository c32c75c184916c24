"""A Chroma collection seen through this process's `Connection`.

Why a proxy: after the connection reopens its client (another process wrote), the collection
objects handed out before belong to a closed client. This one fetches itself again from the new
client, runs every call under the connection's shared lock (so no call overlaps a reopen), and
raises every failure as a `StoreError`. It quacks like `chromadb.Collection`, so llama-index's
`ChromaVectorStore` takes it as one.
"""

from __future__ import annotations

from .connection import Connection


class Collection:
    def __init__(self, conn: Connection, collection) -> None:
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
