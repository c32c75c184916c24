"""Ingest throughput on a folder of 50 PDFs: ours against plain llama-index, same files, same run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/ingest_pdf.py [--repeats 2] [--sides ours li-default li-128]

The 50 PDFs are generated (fpdf2, tests/docfactory.py) from the SQuAD articles that bench/ingest.py
uses: each article is cut into parts of at most 8,000 characters at paragraph ends, 50 parts are
taken round-robin over the articles (so every file's text is different and nothing is skipped as a
duplicate), and each part is laid out as pages of at most 2,500 characters with a "Page n" footer.
The baseline reads them with `SimpleDirectoryReader`'s default PDF reader (llama-index-readers-file's
`PDFReader`, pypdf, one document per page) and indexes them with `VectorStoreIndex` into Chroma, as
bench/ingest.py's `li-*` sides do; ours is `vectorstore.ingest.ingest` (pypdfium2, paragraphs
rebuilt, footers dropped, sentence chunks). Everything else (children, rounds, ratios, peak RSS,
re-ingest) is bench/ingest.py's; "MB" here is the extracted text (our reader's), not the PDF bytes.

llama-index-readers-file pins pandas<3 while sourced pins pandas 3, so install it for this benchmark
only, without its dependencies (its PDF reader needs just pypdf):
`.venv/bin/python -m pip install --no-deps llama-index-readers-file==0.7.0 pypdf==7.1.1`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent / "tests")]
import ingest as bench_ingest  # noqa: E402  (bench/ingest.py)
from common import OUT, ROOT, log, setup_env, squad_corpus, squad_data  # noqa: E402

setup_env()

N_FILES = 50
PART_CHARS = 8000
PAGE_CHARS = 2500


def parts_of(text: str, limit: int) -> list[list[str]]:
    """Paragraph groups of at most `limit` characters (a longer paragraph stands alone)."""
    out: list[list[str]] = [[]]
    size = 0
    for para in (p.strip() for p in text.split("\n\n")):
        if not para:
            continue
        if out[-1] and size + len(para) > limit:
            out.append([])
            size = 0
        out[-1].append(para)
        size += len(para) + 2
    return [p for p in out if p]


def make_folder(folder: Path, squad: Path) -> tuple[int, float]:
    """Write the 50 PDFs (idempotent); returns (files, mean word fidelity of our reader)."""
    import difflib

    from docfactory import make_pdf

    from vectorstore.documents import load_document

    articles = sorted(Path(squad_corpus(squad)["articles_dir"]).glob("*.txt"))
    per_article = [parts_of(a.read_text(encoding="utf-8"), PART_CHARS) for a in articles]
    chosen: list[tuple[str, list[str]]] = []
    depth = 0
    while len(chosen) < N_FILES and any(depth < len(p) for p in per_article):
        for a, parts in zip(articles, per_article, strict=True):
            if depth < len(parts) and len(chosen) < N_FILES:
                chosen.append((f"{a.stem}-{depth + 1}", parts[depth]))
        depth += 1
    folder.mkdir(parents=True, exist_ok=True)
    ratios = []
    for name, paras in chosen:
        path = folder / f"{name}.pdf"
        pages = ["\n\n".join(p) for p in parts_of("\n\n".join(paras), PAGE_CHARS)]
        if not path.exists():
            make_pdf(path, pages, title=name.replace("_", " "))
        got = load_document(path).text.split()
        want = "\n\n".join(paras).split()
        ratios.append(difflib.SequenceMatcher(None, got, want, autojunk=False).ratio())
    return len(chosen), sum(ratios) / len(ratios)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--sides", nargs="+", default=["ours", "li-default", "li-128"])
    ap.add_argument("--squad", help="SQuAD v1.1 JSON (default ../shared/data/squad-public-half.json)")
    ap.add_argument("--folder", type=Path, default=OUT / "pdf50")
    args = ap.parse_args()
    try:
        import llama_index.readers.file  # noqa: F401  (else SimpleDirectoryReader reads a PDF as bytes)
    except ImportError:
        raise SystemExit("error: llama-index-readers-file is not installed; see this script's docstring") from None
    files, fidelity = make_folder(args.folder, squad_data(args.squad))
    from vectorstore.documents import load_document

    text_bytes = sum(len(load_document(p).text.encode("utf-8")) for p in args.folder.glob("*.pdf"))
    pdf_bytes = sum(p.stat().st_size for p in args.folder.glob("*.pdf"))
    log(f"{files} PDFs, {pdf_bytes / 1e6:.2f} MB of PDF, {text_bytes / 1e6:.3f} MB of text, fidelity {fidelity:.4f}")
    bench_ingest.text_bytes = lambda folder: text_bytes  # MB/s of extracted text, not of PDF bytes
    print(f"{files} PDFs ({pdf_bytes / 1e6:.2f} MB; our reader's word fidelity to the source text {fidelity:.4f})\n")
    rel = args.folder.relative_to(ROOT) if args.folder.is_relative_to(ROOT) else args.folder
    return bench_ingest.main(
        ["--corpus", str(rel), "--sides", *args.sides, "--repeats", str(args.repeats),
         "--json-out", str(OUT / "ingest_pdf.json")]
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
