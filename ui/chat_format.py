"""Turning `qa` answers into the web chat's HTML: pure functions, no Gradio, no I/O of their own.

The chat renders messages as Markdown that may contain HTML, and every string that comes from
an article or a user (titles, passages, quotes, file names, questions) is untrusted. So:

* Everything we emit is one HTML fragment without blank lines. A Markdown renderer treats such
  a fragment as a raw HTML block and leaves its text alone, so `*`, `_` or `#` in an article
  cannot turn into formatting.
* Untrusted text goes through `escape()`: HTML-escaped, and the characters Markdown and math
  renderers react to (`[ ] * _ $ ...`) become numeric character references. Even if a fragment
  ended up outside an HTML block, it would show literally. `<script>` shows as `<script>`.
* Newlines become `<br>`, which is what keeps fragments free of blank lines.

The functions take what they need to look up (the document text, the number of articles) as
arguments, so they can be tested without a store; `ui.chat` wires them to the `Assistant`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from qa.types import Answer, Citation, Conflict, Passage
from vectorstore.types import DocumentRecord

SOURCES_TITLE = "Sources"
RELATED_TITLE = "Related passages (not an answer)"
REFUSAL_TEXT = "The articles don't say."
SEARCHING = '<p class="sourced-status"><em>Searching the articles…</em></p>'

# One pass over the text, so no replacement is escaped again: HTML's special characters as
# entities, and the characters that Markdown (emphasis, links, code, headings, tables) or a math
# renderer would interpret as numeric references, which display as themselves.
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"} | {
    c: f"&#{ord(c)};" for c in "\\`*_[]#|~$"
}
_MARKER = re.compile(r"\[(\d+)\]")
_RELATED_CHARS = 600


def escape(text: str | None) -> str:
    """Untrusted text as inert HTML: tags, entities and Markdown syntax all show literally."""
    out = "".join(_ESCAPES.get(c, c) for c in (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return out.replace("\n", "<br>")  # also keeps the fragment free of blank lines


def highlight(text: str, start: int, end: int) -> str:
    """`text` escaped, with `text[start:end]` wrapped in `<mark>` (offsets into the raw text).

    Offsets outside the text are clamped; an empty range gives no mark. Escaping each piece
    separately keeps the offsets meaningful (escaping first would shift them).
    """
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    if start == end:
        return escape(text)
    return f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}"


def answer_text_html(text: str, numbers: Iterable[int] | None = None) -> str:
    """Answer text, escaped, with its `[n]` markers styled (only those in `numbers`, if given)."""
    known = None if numbers is None else set(numbers)
    out, last = [], 0
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if known is not None and n not in known:
            continue
        out.append(escape(text[last : m.start()]))
        out.append(f'<span class="sourced-cite">{escape(m.group(0))}</span>')
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def streaming_html(text: str) -> str:
    """A partial answer while tokens arrive, with a cursor."""
    return f'<div class="sourced-answer"><p>{answer_text_html(text)}<span class="sourced-cursor">▍</span></p></div>'


def conflicts_html(conflicts: Sequence[Conflict]) -> str:
    """Render "Sources disagree" with each side, its citation number and the articles that say it."""
    parts = []
    for c in conflicts:
        sides = "".join(
            f'<li><span class="sourced-cite">[{s.citation}]</span> “{escape(s.value)}” '
            f"— {escape(', '.join(s.sources))}</li>"
            for s in c.sides
        )
        parts.append(
            f'<div class="sourced-conflict"><strong>Sources disagree</strong> on the {escape(c.topic)}:'
            f"<ul>{sides}</ul></div>"
        )
    return "".join(parts)


def notices_html(notices: Sequence[str]) -> str:
    return "".join(f'<p class="sourced-notice"><strong>Note:</strong> {escape(n)}</p>' for n in notices)


def answer_html(answer: Answer) -> str:
    """The final answer message: text with [n] markers, then conflicts and notices.

    A refusal says so plainly; its related passages go in the collapsible block, not here,
    because they are not evidence for an answer.
    """
    if not answer.answerable:
        body = f'<p class="sourced-refusal"><strong>{escape(REFUSAL_TEXT)}</strong></p>'
        if answer.text.strip() and answer.text.strip() != REFUSAL_TEXT:
            body += f"<p>{answer_text_html(answer.text)}</p>"
        if answer.related:
            body += '<p class="sourced-hint">The closest passages are under “Related passages”.</p>'
    else:
        body = f"<p>{answer_text_html(answer.text, (c.n for c in answer.citations))}</p>"
    return f'<div class="sourced-answer">{body}{conflicts_html(answer.conflicts)}{notices_html(answer.notices)}</div>'


def sources_title(answer: Answer) -> str:
    return SOURCES_TITLE if answer.answerable else RELATED_TITLE


def _meta(title: str, source: str, published: str | None) -> str:
    date = f' · <span class="sourced-date">{escape(published)}</span>' if published else ""
    return (
        f'<span class="sourced-title">{escape(title or source)}</span> — '
        f'<span class="sourced-file">{escape(source)}</span>{date}'
    )


def citation_html(c: Citation, document_text: str | None, total_articles: int | None = None) -> str:
    """One numbered source: title, file, date, the passage with the cited quote marked, also-in.

    The passage is `document_text[passage_start:passage_end]`; if the text is missing or the
    offsets do not hold the quote (a document changed since), only the quote is shown.
    """
    text = document_text or ""
    if 0 <= c.passage_start <= c.start <= c.end <= c.passage_end <= len(text) and text[c.start : c.end] == c.quote:
        passage = text[c.passage_start : c.passage_end]
        passage_html = highlight(passage, c.start - c.passage_start, c.end - c.passage_start)
    else:
        passage_html = f"<mark>{escape(c.quote)}</mark>"
    return (
        f'<div class="sourced-source" data-n="{c.n}">'
        f'<p><span class="sourced-cite">[{c.n}]</span> {_meta(c.title, c.source, c.published)}</p>'
        f"<blockquote>{passage_html}</blockquote>"
        f"{also_in_html(c, total_articles)}</div>"
    )


def also_in_html(c: Citation, total_articles: int | None = None) -> str:
    """The "also in: a.txt, b.txt (reported by 3 of 5 articles)" line for a repeated passage."""
    others = [s for s in c.sources if s != c.source]
    if not others:
        return ""
    n = len(c.sources)
    of = f" of {total_articles}" if total_articles and total_articles >= n else ""
    return f'<p class="sourced-also">also in: {escape(", ".join(others))} (reported by {n}{of} articles)</p>'


def related_html(passages: Sequence[Passage], limit: int = _RELATED_CHARS) -> str:
    """The closest passages for a refusal, clearly not citations: no numbers, no marks."""
    items = []
    for p in passages:
        text = p.text if len(p.text) <= limit else p.text[:limit].rstrip() + "…"
        items.append(
            f'<div class="sourced-related"><p>{_meta(p.title, p.source, p.published)}</p>'
            f"<blockquote>{escape(text)}</blockquote></div>"
        )
    return "".join(items)


def sources_html(answer: Answer, document_text: Callable[[str], str | None], total_articles: int | None = None) -> str:
    """The collapsible block under an answer: the standalone question if it differs, then the
    numbered citations (or, for a refusal, the related passages)."""
    parts = []
    if answer.standalone_question and answer.standalone_question != answer.question:
        parts.append(f'<p class="sourced-understood">Understood as: <q>{escape(answer.standalone_question)}</q></p>')
    if answer.citations:
        parts += [citation_html(c, document_text(c.source), total_articles) for c in answer.citations]
    elif answer.related:
        parts.append('<p class="sourced-hint">Passages closest to the question; none of them answers it.</p>')
        parts.append(related_html(answer.related))
    else:
        parts.append('<p class="sourced-hint">No passage matched the question.</p>')
    return f'<div class="sourced-sources">{"".join(parts)}</div>'


def user_html(question: str, limit: int = 600) -> str:
    """The user's message as typed (escaped; a very long one shortened for display)."""
    text = question if len(question) <= limit else question[:limit] + "…"
    return f'<div class="sourced-question">{escape(text)}</div>'


def error_html(message: str) -> str:
    """A problem the user can fix, as a chat message (never a stack trace)."""
    return f'<div class="sourced-error"><strong>Problem:</strong> {escape(message)}</div>'


def documents_html(records: Sequence[DocumentRecord]) -> str:
    """The side panel's list of stored articles: title, then file, date and chunks."""
    if not records:
        return '<p class="sourced-hint">The store is empty. Add articles above.</p>'
    items = "".join(
        f'<li><span class="sourced-title">{escape(r.title or r.source)}</span><br>'
        f'<span class="sourced-file">{escape(r.source)}</span>'
        + (f' · <span class="sourced-date">{escape(r.published)}</span>' if r.published else "")
        + f' · <span class="sourced-chunks">{r.chunks} chunks</span></li>'
        for r in records
    )
    chunks = sum(r.chunks for r in records)
    return (
        f'<p class="sourced-count">{len(records)} articles, {chunks} chunks</p>'
        f'<ul class="sourced-documents">{items}</ul>'
    )


_STATUS_TEXT = {
    "added": "added",
    "updated": "updated",
    "unchanged": "already in the store, unchanged",
    "skipped": "skipped",
    "failed": "not added",
    "pruned": "removed",
}


def ingest_report_html(report) -> str:
    """One line per uploaded file (by name, not its temporary path) and the store's new size.

    `report` is a `vectorstore.ingest.IngestReport`.
    """
    lines = []
    for o in report.outcomes:
        chunks = f" ({o.chunks} chunks)" if o.status in ("added", "updated") and o.chunks else ""
        reason = f": {escape(o.reason)}" if o.reason else ""
        lines.append(
            f'<li class="sourced-{escape(o.status)}"><code>{escape(o.source)}</code> '
            f"{escape(_STATUS_TEXT.get(o.status, o.status))}{chunks}{reason}</li>"
        )
    added = report.count("added") + report.count("updated")
    summary = (
        f"{added} article(s) now searchable. " if added else ""
    ) + f"The store holds {report.total_documents} articles, {report.total_chunks} chunks."
    return f'<div class="sourced-ingest"><ul>{"".join(lines)}</ul><p>{escape(summary)}</p></div>'
