"""Load test of the web chat: N simulated users over `gradio_client`, bounded in count and time, loopback only.

    .venv/bin/python bench/load.py                                   # 20 users, 2 minutes, extractive
    .venv/bin/python bench/load.py --generator local --users 4       # the bundled model
    .venv/bin/python bench/load.py --generator local --users 8 --parallel 8   # 8 answers batched in one model
    .venv/bin/python bench/load.py --questions 1000 --duration 900   # memory over ~1,000 questions

What it does:

1. builds a store of `seeds/` with the real MiniLM (or uses `--store`), and asks the `Assistant`
   directly for every question of `eval/seed_questions.jsonl`: the expected answers;
2. starts `sourced chat --store ... --port ... --generator ...` on a free 127.0.0.1 port (a
   child process, so its memory is its own);
3. runs N user threads, each with its own `gradio_client.Client` (its own session, so its own
   conversation history), asking seed questions in a random order through the `/ask` endpoint
   until the duration or the question budget is spent;
4. checks every reply: no error; the answer is to the question this user asked (`question`
   echoed); with the extractive generator, when no follow-up rewrite happened (the standalone
   question is the question), the text must equal the direct answer, which catches an answer
   delivered to the wrong session; every citation's quote is the exact slice of its seed article;
5. records latency (p50/p95/max, per request, queueing included), throughput, and the server's
   RSS (from /proc) at start, after warm-up, every few seconds, and at the end.

Prints a markdown summary and writes everything to `--out` (JSON). Exit status 1 if any reply
was an error or a mismatch, or RSS grew by more than `--max-growth-mb` after warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUESTIONS = ROOT / "eval" / "seed_questions.jsonl"
OUT = ROOT / "bench" / "out"
MAX_USERS = 64
MAX_DURATION_S = 1800
ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


@dataclass
class Reply:
    user: int
    question: str
    seconds: float
    ok: bool
    problem: str = ""
    rewritten: bool = False
    generator: str = ""
    at: float = 0.0  # seconds since the load started, when the reply arrived


@dataclass
class Result:
    generator: str
    users: int
    parallel: int | None
    duration_s: float
    questions: int
    errors: int
    mismatches: int
    rewritten: int
    latency_p50_s: float
    latency_p95_s: float
    latency_max_s: float
    throughput_qps: float
    rss_start_mb: float
    rss_warm_mb: float
    rss_end_mb: float
    rss_max_mb: float
    rss_growth_after_warmup_mb: float
    generators_seen: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rss_timeline: list[tuple[float, float, int]] = field(default_factory=list)  # (s, MB, replies so far)
    machine: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the chat is one process; llama.cpp runs in it)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    i = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[i]


def build_store(path: Path) -> None:
    from vectorstore.config import StoreConfig
    from vectorstore.ingest import ingest

    report = ingest([SEEDS], StoreConfig(store=path))
    if not report.ok:
        raise SystemExit(f"ingesting the seeds failed: {report.summary()}")


def expected_answers(store: Path, questions: list[str]) -> dict[str, dict]:
    """The extractive answer to every question, straight from the Assistant (no server, no history)."""
    from qa.assistant import Assistant

    assistant = Assistant.open(store=store, generator="extractive")
    return {q: assistant.ask(q).to_dict() for q in questions}


def start_server(store: Path, port: int, generator: str, log: Path, parallel: int | None = None) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv" / "bin" / "sourced"),
        "chat",
        "--store",
        str(store),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--generator",
        generator,
    ]
    out = log.open("w")
    env = {**os.environ, **ENV}
    if parallel:
        env["SOURCED_LLM_PARALLEL"] = str(parallel)  # sequences the local model decodes at once
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.monotonic() + 600
    url = f"http://127.0.0.1:{port}/"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the chat exited with status {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit(f"the chat did not answer on {url} within 10 minutes; see {log}")


def check(reply: dict, question: str, expected: dict, seed_text: dict[str, str], generator: str) -> tuple[str, bool]:
    """(problem or "", rewritten) for one /ask reply."""
    if reply.get("question") != question:
        return f"answer to {reply.get('question')!r} delivered for {question!r}", False
    rewritten = reply.get("standalone_question") != question
    for c in reply.get("citations", []):
        text = seed_text.get(c["source"])
        if text is None or text[c["start"] : c["end"]] != c["quote"]:
            return f"citation [{c['n']}] of {question!r} is not an exact slice of {c['source']}", rewritten
    if generator == "extractive" and not rewritten and reply.get("text") != expected["text"]:
        return f"answer to {question!r} differs from the direct one: {reply.get('text', '')[:120]!r}", rewritten
    return "", rewritten


def user(
    n: int,
    url: str,
    questions: list[str],
    expected: dict[str, dict],
    seed_text: dict[str, str],
    generator: str,
    stop: threading.Event,
    budget: list[int],
    lock: threading.Lock,
    replies: list[Reply],
    started: float,
) -> None:
    from gradio_client import Client

    rng = random.Random(n)
    try:
        client = Client(url, verbose=False, download_files=False)
    except Exception as e:  # noqa: BLE001 - a user that cannot connect is an error to report
        with lock:
            replies.append(Reply(n, "", 0.0, False, f"cannot connect: {type(e).__name__}: {e}"))
        return
    while not stop.is_set():
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        question = rng.choice(questions)
        t0 = time.perf_counter()
        try:
            text, payload = client.predict(question, api_name="/ask")
            reply = json.loads(payload)
            problem, rewritten = check(reply, question, expected[question], seed_text, generator)
            if not problem and reply.get("text") != text:
                problem = f"the two outputs of /ask disagree for {question!r}"
            took = time.perf_counter() - t0
            r = Reply(n, question, took, not problem, problem, rewritten, reply.get("generator", ""))
        except Exception as e:  # noqa: BLE001 - every failure is counted and reported
            r = Reply(n, question, time.perf_counter() - t0, False, f"error: {type(e).__name__}: {str(e)[:200]}")
        r.at = time.monotonic() - started
        with lock:
            replies.append(r)


def run(args: argparse.Namespace) -> Result:
    for k, v in ENV.items():
        os.environ.setdefault(k, v)
    sys.path.insert(0, str(ROOT))
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
    seed_text = {f.name: f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt"))}
    work = Path(tempfile.mkdtemp(prefix="sourced-load-"))
    try:
        store = Path(args.store) if args.store else work / "store"
        if not args.store:
            print(f"building the seed store with MiniLM in {store} ...", flush=True)
            build_store(store)
        print("asking every seed question directly (the expected answers) ...", flush=True)
        expected = expected_answers(store, questions)
        port = args.port or free_port()
        log = work / "chat.log"
        print(f"starting `sourced chat --generator {args.generator}` on 127.0.0.1:{port} ...", flush=True)
        server = start_server(store, port, args.generator, log, args.parallel)
        url = f"http://127.0.0.1:{port}/"
        try:
            return load(args, server, url, questions, expected, seed_text)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            if args.keep_log:
                shutil.copy(log, args.keep_log)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load(
    args: argparse.Namespace,
    server: subprocess.Popen,
    url: str,
    questions: list[str],
    expected: dict[str, dict],
    seed_text: dict[str, str],
) -> Result:
    rss_start = rss_mb(server.pid)
    replies: list[Reply] = []
    lock = threading.Lock()
    stop = threading.Event()
    budget = [args.questions if args.questions else 10**9]
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=user,
            args=(n, url, questions, expected, seed_text, args.generator, stop, budget, lock, replies, started),
            daemon=True,
            name=f"user-{n}",
        )
        for n in range(args.users)
    ]
    for t in threads:
        t.start()
    timeline: list[tuple[float, float, int]] = [(0.0, round(rss_start, 1), 0)]
    warm_at = max(20, args.users * 2)  # replies before the warm-up RSS is taken
    rss_warm = None
    while any(t.is_alive() for t in threads):
        elapsed = time.monotonic() - started
        if elapsed >= args.duration:
            stop.set()
        with lock:
            done = len(replies)
        if rss_warm is None and done >= warm_at:
            rss_warm = rss_mb(server.pid)
        if not timeline or elapsed - timeline[-1][0] >= args.sample_s:
            timeline.append((round(elapsed, 1), round(rss_mb(server.pid), 1), done))
            print(f"  {elapsed:6.0f} s  {done:5d} replies  RSS {timeline[-1][1]:7.1f} MB", flush=True)
        if elapsed > args.duration + args.grace_s:
            print("  users still waiting after the grace period; stopping", flush=True)
            break
        time.sleep(0.5)
    wall = time.monotonic() - started
    rss_end = rss_mb(server.pid)
    timeline.append((round(wall, 1), round(rss_end, 1), len(replies)))
    with lock:
        done = list(replies)
    latencies = [r.seconds for r in done if r.ok]
    problems = [f"user {r.user}: {r.problem}" for r in done if not r.ok]
    generators: dict[str, int] = {}
    for r in done:
        if r.generator:
            generators[r.generator] = generators.get(r.generator, 0) + 1
    rss_warm = rss_warm if rss_warm is not None else rss_end
    return Result(
        generator=args.generator,
        users=args.users,
        parallel=args.parallel,
        duration_s=round(wall, 1),
        questions=len(done),
        errors=sum(1 for r in done if not r.ok and r.problem.startswith(("error", "cannot"))),
        mismatches=sum(1 for r in done if not r.ok and not r.problem.startswith(("error", "cannot"))),
        rewritten=sum(1 for r in done if r.rewritten),
        latency_p50_s=round(percentile(latencies, 0.5), 3),
        latency_p95_s=round(percentile(latencies, 0.95), 3),
        latency_max_s=round(max(latencies, default=0.0), 3),
        throughput_qps=round(len(latencies) / wall, 3) if wall else 0.0,
        rss_start_mb=round(rss_start, 1),
        rss_warm_mb=round(rss_warm, 1),
        rss_end_mb=round(rss_end, 1),
        rss_max_mb=round(max(m for _, m, _ in timeline), 1),
        rss_growth_after_warmup_mb=round(rss_end - rss_warm, 1),
        generators_seen=generators,
        problems=problems[:50],
        rss_timeline=timeline,
        machine=f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end",
    )


def summary(r: Result) -> str:
    return "\n".join(
        [
            f"parallel sequences: {r.parallel or 'default'}",
            "| generator | users | duration | questions | errors | wrong/mismatched | p50 | p95 | max | throughput "
            "| RSS start → warm → end (max) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            f"| {r.generator} | {r.users} | {r.duration_s:.0f} s | {r.questions} | {r.errors} | {r.mismatches} "
            f"| {r.latency_p50_s:.2f} s | {r.latency_p95_s:.2f} s | {r.latency_max_s:.2f} s "
            f"| {r.throughput_qps:.2f} q/s | {r.rss_start_mb:.0f} → {r.rss_warm_mb:.0f} → {r.rss_end_mb:.0f} MB "
            f"({r.rss_max_mb:.0f}) |",
            "",
            f"generators in replies: {r.generators_seen}; follow-up rewrites (text not compared): {r.rewritten}; "
            f"RSS growth after warm-up: {r.rss_growth_after_warmup_mb:+.1f} MB; {r.machine}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=20, help=f"simulated users, 1-{MAX_USERS} (default 20)")
    p.add_argument("--duration", type=float, default=120, help="seconds of load (default 120)")
    p.add_argument("--questions", type=int, default=0, help="stop after this many questions in all (0: no limit)")
    p.add_argument("--generator", default="extractive", help="extractive (default) | local | ...")
    p.add_argument("--parallel", type=int, help="answers the local model decodes at once (default: the chat's, 4)")
    p.add_argument("--store", help="an existing store of the seeds (default: build one with MiniLM)")
    p.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--sample-s", type=float, default=5.0, help="seconds between RSS samples")
    p.add_argument("--grace-s", type=float, default=300.0, help="wait this long for replies after the duration")
    p.add_argument("--max-growth-mb", type=float, default=64.0, help="fail if RSS grows more after warm-up")
    p.add_argument("--out", help="JSON results (default bench/out/load-GENERATOR-USERSu.json)")
    p.add_argument("--keep-log", help="copy the chat's log here")
    args = p.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        p.error(f"--users must be 1-{MAX_USERS}")
    if not 0 < args.duration <= MAX_DURATION_S:
        p.error(f"--duration must be at most {MAX_DURATION_S} s")
    result = run(args)
    out = Path(args.out) if args.out else OUT / f"load-{args.generator}-{args.users}u.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(summary(result))
    for problem in result.problems[:10]:
        print("problem:", problem)
    print(f"\nwritten to {out}")
    bad = result.errors or result.mismatches or result.rss_growth_after_warmup_mb > args.max_growth_mb
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
