"""Cold start: `sourced ask "…" --generator extractive` from a fresh process to its printed answer.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/cold_start.py [--runs 5] [--before SRC] [--importtime]

It ingests seeds/ once into `bench/out/cold-start/store-<embedder>` per embedder (int8, the default for
new collections, and fp32), then starts `python -m ui.cli ask QUESTION --generator extractive --store ...`
`--runs` times per store, alternating the stores (A B A B ...), each a new interpreter, and takes the wall
time from start to exit (the answer is printed just before the exit) with the child's CPU time and peak
RSS (wait4). `--before SRC` adds the same command run from another copy of the source (e.g. a
`git worktree` of an older commit) over the same int8 store: the before/after of a code change.
`--importtime` prints the slowest top-level imports of one int8 run (`python -X importtime`).

Public tools give the same figure: `/usr/bin/time -v .venv/bin/sourced ask "…" --generator extractive`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT, SEEDS, log, machine, machine_line, setup_env, spread, table  # noqa: E402

setup_env()

QUESTION = "Who accompanied Kim?"
EMBEDDERS = ("all-MiniLM-L6-v2-int8", "all-MiniLM-L6-v2")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def prepare(store: Path, embedder: str, src: Path = ROOT) -> None:
    if (store / "chroma.sqlite3").exists():
        return
    cmd = [sys.executable, "-m", "ui.cli", "ingest", str(SEEDS), "--store", str(store), "--embedder", embedder, "-q"]
    subprocess.run(cmd, check=True, cwd=src, env=ENV, stdout=subprocess.DEVNULL)


def ask_argv(store: Path) -> list[str]:
    return [sys.executable, "-m", "ui.cli", "ask", QUESTION, "--generator", "extractive", "--store", str(store)]


def run_once(argv: list[str], cwd: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0 or "[1]" not in out:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"{' '.join(argv)} failed:\n{out[-1000:]}\n{err[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}


def importtime(store: Path) -> list[tuple[str, float]]:
    argv = [sys.executable, "-X", "importtime", *ask_argv(store)[1:]]
    err = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True).stderr
    top = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)  # top level: no indent before the name
        if m:
            top.append((m.group(2), int(m.group(1)) / 1e6))
    return sorted(top, key=lambda x: -x[1])[:8]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", type=Path, help="another source tree to run `ask` from, over the int8 store")
    ap.add_argument("--importtime", action="store_true")
    args = ap.parse_args(argv)
    info = machine()
    log(machine_line(info))
    work = OUT / "cold-start"
    stores = {name: work / f"store-{name}" for name in EMBEDDERS}
    for name, store in stores.items():
        prepare(store, name)
    sides = {f"`{name}` store": (ask_argv(store), ROOT) for name, store in stores.items()}
    if args.before:  # the same store: only the code differs
        sides[f"before (`--before`), `{EMBEDDERS[0]}` store"] = (ask_argv(stores[EMBEDDERS[0]]), args.before)
    results: dict[str, list[dict[str, float]]] = {s: [] for s in sides}
    for cmd, cwd in sides.values():  # one unmeasured run each: the page cache, not the code
        run_once(cmd, cwd)
    for n in range(args.runs):
        for side, (cmd, cwd) in sides.items():
            r = run_once(cmd, cwd)
            results[side].append(r)
            log(f"run {n + 1} {side}: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU")
    rows = [
        [side, *(spread([r[k] for r in rs]) for k in ("wall_s", "cpu_s")), spread([r["peak_rss_mib"] for r in rs], 0)]
        for side, rs in results.items()
    ]
    print(f"Machine: {machine_line(info)}\n")
    print(f"Command: `.venv/bin/python bench/cold_start.py {' '.join(sys.argv[1:])}`\n")
    print(f'Each run: `python -m ui.cli ask "{QUESTION}" --generator extractive --store STORE` (seeds/ ingested)\n')
    print(table(["store", "wall s to printed answer", "CPU s", "peak RSS MiB"], rows))
    if args.importtime:
        print("\nSlowest top-level imports of one int8 run (`-X importtime`, cumulative s):\n")
        print(table(["module", "s"], [[f"`{m}`", f"{s:.2f}"] for m, s in importtime(stores[EMBEDDERS[0]])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
