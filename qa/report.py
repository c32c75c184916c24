"""The markdown report of an evaluation (`sourced eval --report r.md`) and its plot (r.png).

The report is meant to be read, and diffed, by people: the metrics table (one column per
configuration), the settings that produced it, a breakdown by question kind when the set has a
`kind` field (the seed set does), and the worst failures with their question, gold answers and
what the assistant said, so a bad number comes with its reasons. The plot sits next to the
markdown under the same name with `.png` (per-metric bars, one colour per configuration, and
the latency histogram).

matplotlib is imported lazily, with the Agg backend (no display, no GUI toolkit), because it
costs about a second and only the report needs it; without matplotlib the report is still
written, minus the plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .evaluation import RATE_METRICS, Run, changes, counts, fmt, metric_rows, metrics_by, score_result

FAILURES_SHOWN = 5
SHORT_NAMES = {
    "hit@1": "hit@1",
    "hit@k": "hit@k",
    "mrr": "MRR",
    "accuracy": "accuracy",
    "citation_precision": "cit. precision",
    "citation_validity": "cit. validity",
    "refusal_accuracy": "refusal acc.",
    "false_refusal_rate": "false refusals",
}


def write_report(path: str | Path, runs: Sequence[Run]) -> tuple[Path, Path | None]:
    """Write the markdown report to `path` and the plot beside it; returns both paths (plot None if skipped)."""
    md = Path(path)
    md.parent.mkdir(parents=True, exist_ok=True)
    png = md.with_suffix(".png")
    try:
        plot(runs, png)
    except ImportError:
        png = None
    md.write_text(render(runs, png.name if png else None), encoding="utf-8")
    return md, png


def render(runs: Sequence[Run], image: str | None = None) -> str:
    """The report as markdown; `image` is the plot's file name relative to the report."""
    labels = [r.label for r in runs]
    k = runs[0].metrics.get("k")
    out = ["# Evaluation report", ""]
    if len(runs) == 1:
        out += [_summary(runs[0]), ""]
    out += ["## Metrics", "", _md_table(["metric", *labels], _metric_table(runs, k)), ""]
    out += [_definitions(k), ""]
    if len(runs) == 2:
        fixed, broken = changes(runs[0], runs[1])
        out += [
            f"Between the two: {len(fixed)} question(s) right in **{labels[1]}** only"
            + (f" ({', '.join(fixed)})" if fixed else "")
            + f", {len(broken)} right in **{labels[0]}** only"
            + (f" ({', '.join(broken)})" if broken else "")
            + ".",
            "",
        ]
    if image:
        out += [f"![metrics and latency]({image})", ""]
    out += ["## Settings", "", _md_table(["setting", *labels], _settings_table(runs), numeric=False), ""]
    for run in runs:
        kinds = metrics_by(run.results, "kind")
        if kinds:
            title = "## By kind of question" + (f" ({run.label})" if len(runs) > 1 else "")
            out += [title, "", _md_table(["kind", "n", f"hit@{k or 'k'}", "accuracy", "refused"], _kind_rows(kinds))]
            out += [""]
    for run in runs:
        out += _failures(run, len(runs) > 1)
    return "\n".join(out).rstrip() + "\n"


def _summary(run: Run) -> str:
    m = run.metrics
    parts = [f"{counts(m).replace(' (', ' questions (', 1)}, generator **{run.settings.get('generator')}**"]
    parts.append(f"retrieval **{run.settings.get('retrieval')}**, k={run.settings.get('k')}")
    if m.get("accuracy") is not None:
        parts.append(f"answer accuracy **{fmt(m['accuracy'], 'pct')}**")
    if m.get("refusal_accuracy") is not None:
        parts.append(f"refusal accuracy **{fmt(m['refusal_accuracy'], 'pct')}**")
    return "; ".join(parts) + "."


def _definitions(k: int | None) -> str:
    kk = k or "k"
    return (
        f"A retrieval hit is a passage among the top {kk} from a listed source that contains a gold answer "
        "(normalised: case, punctuation and articles ignored); MRR counts ranks up to "
        f"{kk}. Accuracy: the answer contains a gold answer (answerable questions; a refusal is wrong). "
        "Citation precision: share of citations whose quote or passage holds a gold answer or that come from "
        "a gold source; validity: share whose quote equals the file slice. Refusal accuracy is over the "
        "unanswerable questions, false refusals over the answerable ones; latency is per question, end to end."
    )


def _metric_table(runs: Sequence[Run], k: int | None) -> list[list[str]]:
    rows = [["questions", *[counts(r.metrics) for r in runs]]]
    rows += [[name, *[fmt(r.metrics.get(key), kind) for r in runs]] for key, name, kind in metric_rows(k)]
    return rows


def _settings_table(runs: Sequence[Run]) -> list[list[str]]:
    keys: list[str] = []
    for r in runs:
        keys += [key for key, v in r.settings.items() if v is not None and key not in keys]
    return [[key, *[_code(r.settings.get(key)) for r in runs]] for key in keys]


def _code(value) -> str:
    if value is None:
        return "–"
    s = str(value)
    return f"`{s}`" if any(c in s for c in "/_*") else s


def _kind_rows(kinds: dict[str, dict]) -> list[list[str]]:
    rows = []
    for name, m in kinds.items():
        refused = m["refusal_accuracy"] if m["answerable"] == 0 else m["false_refusal_rate"]
        rows.append([name, str(m["questions"]), fmt(m["hit@k"], "pct"), fmt(m["accuracy"], "pct"), fmt(refused, "pct")])
    return rows


def _failures(run: Run, titled: bool) -> list[str]:
    wrong, refused, accepted, errors = [], [], [], []
    for r in run.results:
        s = score_result(r)
        if s["error"]:
            errors.append((r, s))
        elif s["correct"] is False and not s["refused"]:
            wrong.append((r, s))
        elif s["false_refusal"]:
            refused.append((r, s))
        elif s["refusal_correct"] is False:
            accepted.append((r, s))
    # retrieval misses first: they are the failures no generator can repair
    wrong.sort(key=lambda rs: (rs[1]["rank"] != 0, rs[1]["rank"]))
    refused.sort(key=lambda rs: (rs[1]["rank"] != 0, rs[1]["rank"]))
    out = ["## Failures" + (f" ({run.label})" if titled else ""), ""]
    if not (wrong or refused or accepted or errors):
        return out + ["None: every question was answered or refused as expected.", ""]
    sections = [
        ("Wrong answers", wrong, len(wrong)),
        ("False refusals (answerable, but refused)", refused, len(refused)),
        ("Answered although the articles don't say", accepted, len(accepted)),
        ("Errors", errors, len(errors)),
    ]
    for title, items, total in sections:
        if not items:
            continue
        shown = f" (showing {FAILURES_SHOWN} of {total})" if total > FAILURES_SHOWN else f" ({total})"
        out += [f"### {title}{shown}", ""]
        for r, s in items[:FAILURES_SHOWN]:
            out += [_failure(r, s), ""]
    return out


def _failure(r: dict, s: dict) -> str:
    gold = r.get("gold", {})
    lines = [f"- **{r['id']}** {_one_line(r['question'])}"]
    if r.get("standalone_question") and r["standalone_question"] != r["question"]:
        lines.append(f"  - standalone: {_one_line(r['standalone_question'])}")
    if gold.get("answers"):
        lines.append("  - expected: " + " / ".join(f"“{_one_line(a)}”" for a in gold["answers"]))
    if r.get("error"):
        lines.append(f"  - error: `{_one_line(r['error'])}`")
    else:
        lines.append(f"  - answered: {_one_line(r.get('answer', ''), 300)}")
    if gold.get("answerable", True) and not r.get("error"):
        rank = s.get("rank")
        top = r.get("retrieved", [])[:1]
        where = f"rank {rank}" if rank else "not in the top passages"
        lines.append(f"  - gold passage: {where}" + (f"; top passage from `{top[0]['source']}`" if top else ""))
    return "\n".join(lines)


def _one_line(text: str, limit: int = 200) -> str:
    t = " ".join(str(text).split()).replace("|", "\\|")
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _md_table(header: list[str], rows: list[list[str]], numeric: bool = True) -> str:
    align = "---:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + [align] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def plot(runs: Sequence[Run], png: str | Path) -> Path:
    """Per-metric bars (one colour per run) and the latency histogram, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [key for key in RATE_METRICS if any(r.metrics.get(key) is not None for r in runs)]
    k = runs[0].metrics.get("k")
    names = [SHORT_NAMES[key].replace("hit@k", f"hit@{k}" if k else "hit@k") for key in keys]
    fig, (bars, hist) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [2.2, 1]})
    width = 0.8 / max(len(runs), 1)
    for i, run in enumerate(runs):
        values = [run.metrics.get(key) or 0.0 for key in keys]
        xs = [j + (i - (len(runs) - 1) / 2) * width for j in range(len(keys))]
        drawn = bars.bar(xs, values, width, label=run.label)
        if len(runs) <= 2:
            bars.bar_label(drawn, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
    bars.set_xticks(range(len(keys)), names, rotation=25, ha="right", fontsize=8)
    bars.set_ylim(0, 1.08)
    bars.set_ylabel("share (MRR: mean 1/rank)")
    bars.set_title("Metrics (false refusals: lower is better)")
    bars.grid(axis="y", alpha=0.3)
    if len(runs) > 1:
        bars.legend(fontsize=8)
    for run in runs:
        latencies = [r["latency_ms"] for r in run.results if r.get("latency_ms") is not None]
        if latencies:
            hist.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), alpha=0.6, label=run.label)
    hist.set_xlabel("latency per question (ms)")
    hist.set_ylabel("questions")
    hist.set_title("Latency")
    if len(runs) > 1:
        hist.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return Path(png)
