"""The structure docs/ARCHITECTURE.md promises, read from the source: layers import one way,
no module imports itself round a cycle, none is over 600 lines, a shared word list is written once.

Imports are read with `ast`, including those inside functions (a lazy import is still a
dependency); only `if TYPE_CHECKING:` blocks are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("vectorstore", "qa", "ui")  # each may import only the ones before it
MAX_LINES = 600


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))}


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        yield from _runtime_nodes(node)


def _own_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> set[str]:
    """The modules of this project that `module` imports."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            submodules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(target)
    own = {_own_module(name) for name in found}
    return {m for m in own if m and m != module}


GRAPH = {m: imports(m) for m in MODULES}


def test_the_reader_sees_every_layer():
    assert {m.split(".")[0] for m in MODULES} == set(LAYERS)
    # the reader itself resolves relative imports: a known edge of each kind
    assert "qa.writers.contract" in GRAPH["qa.writers.extractive"]  # from .contract import
    assert "qa.config" in GRAPH["qa.writers.choose"]  # from ..config import
    assert "vectorstore.store" in GRAPH["qa.assistant"]  # from vectorstore.store import


@pytest.mark.parametrize("module", sorted(MODULES))
def test_layers_import_only_downwards(module: str):
    allowed = set(LAYERS[: LAYERS.index(module.split(".")[0]) + 1])
    upward = sorted(m for m in GRAPH[module] if m.split(".")[0] not in allowed)
    assert not upward, f"{module} imports a higher layer: {upward}"


def test_no_import_cycles():
    """Tarjan's strongly connected components: any with two or more modules is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_600_lines(module: str):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines"


# A word list is written once: these runs of words, in a string or a regex, appear only in its home.
WORD_RUNS = {
    "september": ("vectorstore.documents",),  # the month names: the loader's list, which qa.lexicon imports
    "thursday": ("qa.lexicon",),
    "eleven": ("qa.lexicon",),
    "seventh": ("qa.lexicon",),
    "nobody": ("qa.lexicon",),
}


@pytest.mark.parametrize("word", sorted(WORD_RUNS))
def test_word_lists_are_written_in_one_place(word: str):
    """Month, weekday, number, ordinal and negation words are spelled out only in their home module;
    every other module builds its patterns from those lists (docstrings and comments aside)."""
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and word in node.value.lower().replace("|", " ").split()
            ):
                found.append(module)
    assert set(found) <= set(WORD_RUNS[word]), f"{word!r} spelled out in {sorted(set(found) - set(WORD_RUNS[word]))}"


def test_the_built_wheel_holds_every_module_and_the_scorer(tmp_path: Path):
    """`pip install .` (not only the editable install the Makefile does) gets every subpackage and
    the scorer's weights. Built from a copy, so the checkout gets no build/ folder."""
    import shutil
    import subprocess
    import sys
    import zipfile

    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, source / layer, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=source, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("sourced-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(ROOT)) for p in MODULES.values()} | {"qa/data/scorer.json"}
    assert not expected - names, sorted(expected - names)


def test_a_cold_extractive_ask_imports_neither_llama_index_nor_torch(tmp_path: Path, seeds_dir: Path):
    """The question path of `sourced ask` runs on Chroma, bm25s and ONNX Runtime only: llama-index's core
    and torch cost seconds of import (docs/BENCHMARKS.md, cold start). The ingest may use both."""
    import subprocess
    import sys

    from vectorstore.config import StoreConfig
    from vectorstore.ingest import ingest

    store = tmp_path / "store"
    assert ingest([seeds_dir], StoreConfig(store=store, embedder="hash")).ok
    code = (
        "import sys\n"
        "from ui.cli import main\n"
        f"rc = main(['ask', 'Who accompanied Kim?', '--generator', 'extractive', '--store', {str(store)!r}])\n"
        "loaded = sorted(m for m in ('llama_index.core', 'torch', 'transformers', 'sentence_transformers')\n"
        "                if m in sys.modules)\n"
        "print('LOADED', loaded)\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "accompanied" in done.stdout, "it answered"
    assert "LOADED []" in done.stdout, done.stdout[-500:]
