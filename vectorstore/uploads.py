"""Saving uploaded articles: a safe name, an allowed type, a size limit, and no overwriting.

A front end (the chat's upload box, a future API) hands `save_upload` the name the client sent
and the bytes (or the temporary file its web framework wrote), and gets back a path inside
`folder` to ingest. Nothing about the name is trusted:

* only its last component counts (`../../x.txt`, `/etc/x.txt` and `..\\..\\x.txt` all become
  `x.txt`), control and formatting characters (NUL, bidi overrides, zero-width) are dropped,
  leading dots too (no hidden files, no `..`), and the name is cut to `NAME_MAX_CHARS`;
* its suffix must be one the loader reads (`vectorstore.documents.SUPPORTED`: .txt .md .html
  .pdf .docx), and the content must match it: text files must decode as text (the loader's own
  check), so a binary renamed `.txt` is refused here; a `.pdf` must start like a PDF and a
  `.docx` like a zip (their full checks, encryption and zip bombs included, run at ingest);
* more than `max_bytes` is refused without reading past the limit;
* an existing file is never replaced and never written through (a symlink planted under the
  name is left alone): the file is created with a hard link from a private temporary file,
  which fails if the name exists, and a taken name becomes `name (2).txt`, `name (3).txt`, ...;
* the same content uploaded again returns the file already saved (compared by SHA-256), so the
  folder holds each article once; content already stored under another name is then skipped
  by the ingest itself ("same content as ...").

Why a folder of our own rather than the web framework's temporary files: the store records each
article's path, and `sourced ingest --prune` drops articles whose file is gone; uploads kept in a
temporary cache would be pruned once that cache is cleaned.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .documents import SUPPORTED, decode
from .errors import LoadError

DEFAULT_MAX_BYTES = 20 * 2**20
NAME_MAX_CHARS = 120
_UNSAFE = re.compile(r'[<>:"|?*]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_name(name: str) -> str:
    """The uploaded file's name made safe to create in a folder; `LoadError` for a type we don't read."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("_", " ".join(text.split())).rstrip(" .")
    stem, dot, suffix = text.rpartition(".")
    if not dot:
        stem, suffix = text, ""
    stem, suffix = stem.strip(" ."), suffix.strip()
    if f".{suffix.lower()}" not in SUPPORTED:
        raise LoadError(
            name if isinstance(name, str) else repr(name),
            f"unsupported file type '.{suffix}'" if suffix else "unsupported file type '(none)'",
            "Upload " + ", ".join(sorted(SUPPORTED)) + " files.",
        )
    stem = stem or "upload"
    if stem.lower() in _RESERVED:
        stem = f"_{stem}"
    stem = stem[: max(1, NAME_MAX_CHARS - len(suffix) - 1)].rstrip(" .") or "upload"
    return f"{stem}.{suffix}"


def save_upload(
    name: str,
    data: bytes | str | os.PathLike,
    folder: str | os.PathLike,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Path:
    """Save one upload under a safe name in `folder` and return its path (see the module docstring).

    `data` is the content (bytes) or the path of a file holding it (a `str` is a path). Raises
    `LoadError` (with the uploaded name and the reason) for a refused upload.
    """
    clean = safe_name(name)
    label = clean
    content = _read_limited(data, max_bytes, label)
    if not content.strip():
        raise LoadError(label, "empty file (no text)")
    _check_content(content, clean.rsplit(".", 1)[1].lower(), label)
    target_dir = Path(folder)
    target_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(content).hexdigest()
    twin = _same_content(target_dir, content, digest)
    if twin is not None:
        return twin
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        stem, suffix = clean.rsplit(".", 1)
        for n in range(1, 10_000):
            candidate = target_dir / (clean if n == 1 else f"{stem} ({n}).{suffix}")
            try:
                os.link(tmp, candidate)  # fails if the name exists, even as a dangling symlink
            except FileExistsError:
                if candidate.is_file() and not candidate.is_symlink() and _sha256(candidate) == digest:
                    return candidate  # saved meanwhile by a concurrent upload of the same file
                continue
            if candidate.resolve().parent != target_dir.resolve():  # pragma: no cover - defence in depth
                candidate.unlink()
                raise LoadError(label, "unsafe file name")
            return candidate
        raise LoadError(label, "too many files with this name", "Rename the file and upload it again.")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# What the first bytes of a binary format must be (the PDF header may follow a little junk).
_MAGIC = {"pdf": (b"%PDF-", 1024), "docx": (b"PK\x03\x04", 0)}


def _check_content(content: bytes, suffix: str, label: str) -> None:
    fmt = SUPPORTED.get(f".{suffix}")
    if fmt in _MAGIC:
        magic, slack = _MAGIC[fmt]
        if content.find(magic, 0, slack + len(magic)) < 0:
            raise LoadError(label, f"not a {suffix.upper()} file (its content does not start like one)")
        return
    decode(content, label)  # a binary file renamed .txt stops here


def _read_limited(data: bytes | str | os.PathLike, max_bytes: int, label: str) -> bytes:
    def too_large(size: int) -> LoadError:
        return LoadError(
            label,
            f"file too large ({size / 2**20:.1f} MB > {max_bytes / 2**20:.1f} MB limit)",
            "Split the article or raise the limit (--max-file-mb).",
        )

    if isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
        if len(content) > max_bytes:
            raise too_large(len(content))
        return content
    path = Path(os.fspath(data))
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                raise too_large(size)
            content = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise LoadError(label, "the uploaded file is gone") from None
    except IsADirectoryError:
        raise LoadError(label, "is a folder, not a file") from None
    except PermissionError:
        raise LoadError(label, "permission denied") from None
    if len(content) > max_bytes:  # grew while we read it
        raise too_large(len(content))
    return content


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _same_content(folder: Path, content: bytes, digest: str) -> Path | None:
    """A regular file in `folder` with exactly this content (sizes first, then hashes)."""
    for entry in os.scandir(folder):
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        if entry.stat(follow_symlinks=False).st_size == len(content) and _sha256(Path(entry.path)) == digest:
            return Path(entry.path)
    return None
