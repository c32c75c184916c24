"""The `sourced` command: a thin argparse layer over `vectorstore` and `qa`.

Heavy libraries (torch, llama-index, gradio) are imported inside the subcommands that need
them, so `sourced --help` and `sourced status` answer in well under a second or two.
Exit status: 0 success, 1 a failure (a file that could not be ingested, a store error),
2 bad usage or bad input (an empty question, an unknown option).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _store_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("store")
    g.add_argument("--store", metavar="DIR", help="store folder (default .sourced/store; env SOURCED_STORE)")
    g.add_argument("--collection", metavar="NAME", help="collection (default articles; env SOURCED_COLLECTION)")
    g.add_argument(
        "--chroma-url",
        metavar="URL",
        help="use a Chroma server instead of the folder, e.g. http://127.0.0.1:8000 (env SOURCED_CHROMA_URL)",
    )
    g.add_argument(
        "--embedder",
        metavar="NAME",
        help="embedder for a new collection: all-MiniLM-L6-v2-int8 (default), all-MiniLM-L6-v2 (fp32), hash, "
        "or a model folder; an existing collection keeps its own",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sourced",
        description="Answer questions about your articles, citing the passage behind every claim.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="add or update articles (.txt, .md, .html) in the store")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--prune", action="store_true", help="remove stored documents whose files are gone")
    p.add_argument("--max-file-mb", type=float, metavar="MB", help="skip larger files (default 20)")
    p.add_argument("--chunk-sentences", type=int, metavar="N", help="sentences per chunk (default 4)")
    p.add_argument("--chunk-overlap", type=int, metavar="N", help="sentences shared by neighbours (default 1)")
    p.add_argument(
        "--wait", type=float, default=0.0, metavar="S", help="wait up to S seconds if another ingest holds the store"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only problems and the summary")
    _store_flags(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("status", help="documents and chunks in the store")
    p.add_argument("--json", action="store_true", help="print as JSON")
    _store_flags(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("ask", help="answer one question, with numbered sources")
    p.add_argument("question", help="the question (quote it)")
    p.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    p.add_argument("--history", metavar="FILE", help="JSON file with the conversation so far: [{role, content}, ...]")
    p.add_argument("--no-stream", action="store_true", help="print the answer only when it is complete")
    p.add_argument("--markdown", action="store_true", help="print the answer, quotes and sources as Markdown")
    _answer_flags(p)
    _store_flags(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="open the web chat (Gradio) on http://127.0.0.1:7860")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--auth", metavar="USER:PASSWORD", help="require this login (Gradio auth); needed before "
                   "exposing the chat beyond this machine")
    p.add_argument("--examples", metavar="FILE", help="example questions, one per line (default: questions "
                   "about the store's own articles)")
    _answer_flags(p)
    _store_flags(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="evaluate answers against a question set (JSONL)")
    p.add_argument("questions", nargs="?", metavar="QUESTIONS.jsonl", help="the question set")
    p.add_argument("--out", metavar="FILE", help="write one JSON line per question here")
    p.add_argument("--report", metavar="FILE", help="write a markdown report (with a PNG plot beside it)")
    p.add_argument("--compare", nargs=2, metavar=("A.jsonl", "B.jsonl"), help="compare two results files")
    p.add_argument("--min-accuracy", type=float, metavar="X", help="exit 1 if answer accuracy is below X (0-1)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("--split", choices=["dev", "test"], help='only the questions whose "split" is this')
    _answer_flags(p, generator_list=True)
    _store_flags(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("model", help="prepare the int8 embedder and the bundled local language model")
    p.add_argument("--prepare", action="store_true", help="build the int8 embedder if needed, join the model file "
                   "from its packages and load it once")
    p.add_argument("--embedder-only", action="store_true", help="only build (or verify) the int8 embedder")
    p.add_argument("--cache", metavar="DIR", dest="model_cache", help="where the joined model file lives")
    p.set_defaults(func=cmd_model)

    return parser


def _answer_flags(p: argparse.ArgumentParser, generator_list: bool = False) -> None:
    g = p.add_argument_group("answering")
    g.add_argument(
        "--generator",
        metavar="NAME" if not generator_list else "NAME[,NAME]",
        help="extractive | local | openai | ollama | gguf | auto (default: env SOURCED_GENERATOR, else auto = "
        "a model configured with --llm-url, --ollama-model or --gguf, else extractive)"
        + ("; a comma list compares them" if generator_list else ""),
    )
    g.add_argument("--retrieval", help="hybrid+rerank (default) | hybrid | dense | bm25")
    g.add_argument("--k", type=int, help="passages considered and cited at most (default 5)")
    g.add_argument("--llm-url", metavar="URL", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    g.add_argument("--llm-model", metavar="NAME", help="model name on that server (env SOURCED_LLM_MODEL)")
    g.add_argument("--ollama-model", metavar="NAME", help="Ollama model (host from OLLAMA_HOST)")
    g.add_argument("--gguf", metavar="PATH", help="your own GGUF model file")
    g.add_argument("--answer-timeout", dest="answer_timeout_s", type=float, metavar="S",
                   help="after S seconds the extracted answer is shown instead (default 30)")


def _config(args: argparse.Namespace, **extra):
    from qa.config import Config

    keys = (
        "model_cache",
        "store",
        "collection",
        "chroma_url",
        "embedder",
        "max_file_mb",
        "chunk_sentences",
        "chunk_overlap",
        "generator",
        "k",
        "llm_url",
        "llm_model",
        "ollama_model",
        "gguf",
        "answer_timeout_s",
        "retrieval",
    )
    given = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    return Config.from_env(**given, **extra)


def cmd_ingest(args: argparse.Namespace) -> int:
    from vectorstore.ingest import FAILED, PRUNED, SKIPPED, ingest

    config = _config(args)
    report = ingest(
        args.paths, config.store, prune=args.prune, show_progress=not (args.quiet or args.json), wait_s=args.wait
    )
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for o in report.outcomes:
            if o.status in (FAILED, SKIPPED, PRUNED) or not args.quiet:
                print(o.line(), file=sys.stderr if o.status == FAILED else sys.stdout)
        print(report.summary())
        print(f"store: {report.location} (collection {report.collection})")
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant

    history = None
    if args.history:
        try:
            history = json.loads(Path(args.history).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            print(f"error: cannot read the history file {args.history}: {e}", file=sys.stderr)
            return EXIT_USAGE
    config = _config(args)
    assistant = Assistant.open(config=config)
    stream = assistant.stream(args.question, history)
    if args.json:
        for _ in stream:
            pass
        print(json.dumps(stream.answer.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    if getattr(args, "markdown", False):  # issue 15: an export to paste into a note
        from .markdown import answer_markdown

        for _ in stream:
            pass
        print(answer_markdown(stream.answer, _total_articles(assistant)), end="")
        return EXIT_OK
    live = sys.stdout.isatty() and not args.no_stream and stream.draft.generator != assistant.generator.name
    if live:
        for token in stream:
            print(token, end="", flush=True)
        print()
    else:
        for _ in stream:
            pass
    from .terminal import answer_as_text

    print(answer_as_text(stream.answer, with_text=not live, total_articles=_total_articles(assistant)))
    return EXIT_OK


def _total_articles(assistant) -> int | None:
    """The store's article count, for "reported by 2 of 3 articles" (only decoration: never fails)."""
    try:
        return len(assistant.documents())
    except Exception:
        return None


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import launch

    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            print("error: --auth must look like USER:PASSWORD", file=sys.stderr)
            return EXIT_USAGE
        auth = (user, password)
    examples = None
    if args.examples:
        try:
            examples = [q.strip() for q in Path(args.examples).read_text(encoding="utf-8").splitlines() if q.strip()]
        except OSError as e:
            print(f"error: cannot read --examples {args.examples}: {e.strerror}", file=sys.stderr)
            return EXIT_USAGE
    launch(_config(args), host=args.host, port=args.port, auth=auth, examples=examples)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from .eval_cli import run_cli

    return run_cli(args, _config)


def cmd_model(args: argparse.Namespace) -> int:
    from qa import models
    from qa.writers.choose import local_model_installed

    config = _config(args)
    if args.prepare or args.embedder_only:
        from vectorstore.int8_model import ensure_int8_model

        folder = ensure_int8_model(config.store.model_cache, lambda m: print(m, file=sys.stderr, flush=True))
        print(f"embedder: {folder} (int8, sha256 checked)")
        if args.embedder_only:
            return EXIT_OK
    if not local_model_installed():
        print("The bundled model is not installed. " + models.INSTALL_HINT, file=sys.stderr)
        return EXIT_FAIL
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="B", unit_scale=True, desc="model", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    try:
        path = models.bundled_model_path(config.model_cache, progress)
    except models.ModelUnavailable as e:
        print(f"error: {e.message} {e.hint}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        if bar is not None:
            bar.close()
    print(f"model: {path} ({path.stat().st_size / 2**30:.2f} GiB, sha256 checked)")
    if args.prepare:
        llm = models.local_llm(config.model_cache, threads=config.llm_threads, n_ctx=config.llm_context).load()
        print(f"loads in {llm.load_seconds:.1f} s with {config.llm_threads} threads")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from vectorstore.store import Store

    config = _config(args)
    status = Store.open(config.store).status()
    if args.json:
        print(json.dumps(status.to_dict(), indent=2))
        return EXIT_OK
    print(f"store:      {status.location} (collection {status.collection})")
    print(f"embedder:   {status.embedder}")
    print(f"documents:  {len(status.documents)}    chunks: {status.chunks}")
    if status.stale_chunks:
        print(f"note:       {status.stale_chunks} chunks left by an interrupted ingest; the next ingest removes them")
    if status.documents:
        width = max(len(d.source) for d in status.documents)
        print(f"\n{'chunks':>6}  {'published':10}  {'format':8}  {'file':{width}}  title")
        for d in status.documents:
            kind = f"{d.format} {len(d.pages)}p" if d.pages else d.format
            by = f" (by {d.author})" if d.author else ""
            print(f"{d.chunks:>6}  {d.published or '-':10}  {kind:8}  {d.source:{width}}  {d.title[:70]}{by}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return _dispatch(*_parse(argv))


def _parse(argv: Sequence[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    parser = build_parser()
    return parser, parser.parse_args(argv)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from vectorstore.errors import SourcedError

    try:
        return args.func(args)
    except SourcedError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE if isinstance(e, ValueError) else EXIT_FAIL
    except ValueError as e:  # bad settings from flags or the environment
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `sourced status | head`
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted; the store keeps everything completed so far", file=sys.stderr)
        return 130


def run() -> None:
    """The `sourced` command: `main`, then the exit.

    After `ask` the answer is printed and nothing was written, so the process leaves at once instead
    of through the interpreter's teardown, which frees chromadb, onnxruntime and some 1,500 modules
    one object at a time (~0.5 s of a ~4 s cold ask on two cores, docs/BENCHMARKS.md). Every other
    command exits normally.
    """
    parser, args = _parse(None)
    rc = _dispatch(parser, args)
    if args.command == "ask":
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            pass
        os._exit(rc)
    sys.exit(rc)


if __name__ == "__main__":
    run()
