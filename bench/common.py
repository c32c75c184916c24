"""Shared pieces of the benchmarks: paths, the machine line, child processes with their rusage, statistics, tables.

Every benchmark measures *our* code and a plain llama-index baseline in the same run, on the same
machine, interleaved round by round, because the machines these run on are shared and their speed
drifts by a factor of two within minutes; a ratio taken pair by pair survives that drift, an
absolute number does not. Timings of whole runs come from child processes (`run_child`): wall time
from the parent's clock, CPU time and peak RSS from the kernel's accounting of that one child
(`os.wait4`), so one side's memory never leaks into the other's figure.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SEEDS = ROOT / "seeds"
SEED_QUESTIONS = ROOT / "eval" / "seed_questions.jsonl"
SQUAD_CANDIDATES = (
    ROOT.parent / "shared" / "data" / "squad-public-half.json",
    Path("/work/shared/data/squad-public-half.json"),
)

# Offline, quiet children: the weights are local, and neither Chroma nor Gradio may phone home.
CHILD_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def setup_env() -> None:
    """Make this process offline and importable from the repository root."""
    for k, v in CHILD_ENV.items():
        os.environ.setdefault(k, v)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def squad_data(path: str | Path | None = None) -> Path:
    """The SQuAD half: `path` if given, else ../shared/data/... beside the repo, else /work/shared/data/..."""
    if path:
        return Path(path)
    for p in SQUAD_CANDIDATES:
        if p.is_file():
            return p
    return SQUAD_CANDIDATES[0]


def squad_corpus(data: Path, out_dir: Path = OUT / "squad") -> dict[str, Any]:
    """Convert the SQuAD half into articles + questions with eval/squad.py (idempotent: same bytes)."""
    sys.path.insert(0, str(ROOT / "eval"))
    try:
        from squad import convert  # eval/squad.py
    finally:
        sys.path.remove(str(ROOT / "eval"))
    if not data.is_file():
        raise SystemExit(f"error: no SQuAD file at {data} (pass --squad PATH)")
    return convert(data, out_dir, sample=500, seed=0)


# -- the machine ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the numbers were measured on: CPU model, cores, memory, GPU (none expected), versions."""
    model = platform.processor() or "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.M)
        model = m.group(1).strip() if m else model
    except (OSError, subprocess.SubprocessError):
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    info: dict[str, Any] = {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "gpu": "none" if not shutil.which("nvidia-smi") else "nvidia-smi present",
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    for pkg in ("torch", "llama-index-core", "chromadb", "sentence-transformers", "transformers"):
        try:
            from importlib.metadata import version

            info[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is just not reported
            pass
    return info


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, GPU: {info['gpu']}; "
        f"Python {info['python']}, torch {info.get('torch', '?')}, "
        f"llama-index-core {info.get('llama-index-core', '?')}, "
        f"chromadb {info.get('chromadb', '?')}; {info['date']}; load average at start {info['load_avg_at_start']}"
    )


# -- child processes -----------------------------------------------------------------------------


@dataclass
class ChildResult:
    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mib: float
    report: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def run_child(
    argv: Sequence[str], report_path: Path, env: dict[str, str] | None = None, timeout_s: float = 3600
) -> ChildResult:
    """Run `argv`, wait for it with wait4 (its own CPU time and peak RSS), and read the JSON it wrote."""
    report_path.unlink(missing_ok=True)
    child_env = {**os.environ, **CHILD_ENV, **(env or {})}
    err_path = report_path.with_suffix(".stderr")
    started = time.perf_counter()
    with open(err_path, "w") as err:
        proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=err, env=child_env, cwd=ROOT)
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    tail = err_path.read_text(errors="replace")[-2000:]
    return ChildResult(proc.returncode, wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, report, tail)


def peak_rss_mib() -> float:
    """This process's own peak RSS (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- statistics and tables -----------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, as numpy's default."""
    if not values:
        return math.nan
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(vals) if vals else math.nan


def spread(values: Sequence[float], digits: int = 2) -> str:
    """'median (min-max)' of a list, or just the value for one."""
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return "n/a"
    if len(vals) == 1:
        return f"{vals[0]:.{digits}f}"
    return f"{statistics.median(vals):.{digits}f} ({min(vals):.{digits}f}-{max(vals):.{digits}f})"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def dir_size_mib(path: Path) -> float:
    """Bytes on disk (allocated blocks, so sparse HNSW files count as what they really take)."""
    total = 0
    for p in path.rglob("*"):
        if p.is_file():
            total += p.stat().st_blocks * 512
    return total / 2**20


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
