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
from qa.writers.extractive import REFUSAL as REFUSAL_TEXT  # the one refusal text
from vectorstore.types import DocumentRecord

SOURCES_TITLE = "Sources"
RELATED_TITLE = "Related passages (not an answer)"
SEARCHING = '<p class="sourced-status"><em>Searching the articles…</em></p>'
CHECKING = '<p class="sourced-status sourced-checking"><em>The language model is reading the passages…</em></p>'

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


def _meta(title: str, source: str, published: str | None, page: int | None = None) -> str:
    date = f' · <span class="sourced-date">{escape(published)}</span>' if published else ""
    where = f' · <span class="sourced-page">p. {page}</span>' if page else ""
    return (
        f'<span class="sourced-title">{escape(title or source)}</span> — '
        f'<span class="sourced-file">{escape(source)}</span>{where}{date}'
    )


# -- the source viewer: the whole document (a PDF: the cited page) with the quote marked --------

VIEWER_MAX_CHARS = 200_000  # a longer unpaged text is shown as this much around the quote
VIEWER_CSS = """
.sourced-viewer summary { cursor: pointer; color: var(--color-accent); font-size: 0.9em; }
.sourced-viewer .sourced-doc { max-height: 22em; overflow: auto; padding: 0.4em 0.8em; margin-top: 0.3em;
  border: 1px solid var(--border-color-primary); border-radius: 6px; font-size: 0.92em; }
.sourced-viewer .sourced-doc-page { font-weight: 600; color: var(--body-text-color-subdued); }
.sourced-viewer .sourced-here { background: #fde68a; border-radius: 2px; padding: 0 0.1em; }
"""
# Opening a viewer scrolls its marked quote into view (a delegated listener: messages come and go).
VIEWER_HEAD = """<script>
document.addEventListener("toggle", (e) => {
  const d = e.target;
  if (d && d.classList && d.classList.contains("sourced-viewer") && d.open) {
    const m = d.querySelector(".sourced-here");
    if (m) m.scrollIntoView({block: "center", behavior: "instant"});
  }
}, true);
</script>"""


def document_viewer_html(c: Citation, document_text: str | None, pages: Sequence[int] = ()) -> str:
    """A collapsed "Open the document" block: the cited document's text (for a paged document,
    the cited page, headed "Page n of m") with the quote highlighted; opening it scrolls there
    (`VIEWER_HEAD`). Empty when the text is missing or no longer holds the quote."""
    text = document_text or ""
    if not (0 <= c.start <= c.end <= len(text)) or text[c.start : c.end] != c.quote:
        return ""
    lo, hi, head = 0, len(text), ""
    if pages and c.page:
        starts = list(pages)
        lo = starts[c.page - 1] if c.page - 1 < len(starts) else 0
        hi = starts[c.page] if c.page < len(starts) else len(text)
        head = f'<p class="sourced-doc-page">Page {c.page} of {len(starts)}</p>'
        label = f"Open the document at p. {c.page}"
    else:
        label = "Open the whole document"
        if len(text) > VIEWER_MAX_CHARS:
            half = VIEWER_MAX_CHARS // 2
            lo, hi = max(0, c.start - half), min(len(text), c.end + half)
            label = "Open the document around the quote"
    if not lo <= c.start <= c.end <= hi:  # a quote across a page break: show both pages' span
        lo, hi = min(lo, c.start), max(hi, c.end)
    # a styled span, not a second <mark>: the passage above holds the one mark of this citation
    body = f'{escape(text[lo : c.start])}<span class="sourced-here">{escape(c.quote)}</span>{escape(text[c.end : hi])}'
    return (
        f'<details class="sourced-viewer"><summary>{escape(label)}</summary>'
        f'<div class="sourced-doc">{head}{body}</div></details>'
    )


def citation_html(
    c: Citation, document_text: str | None, total_articles: int | None = None, pages: Sequence[int] = ()
) -> str:
    """One numbered source: title, file, page, date, the passage with the cited quote marked,
    also-in, and the source viewer (`document_viewer_html`, given the document's page starts).

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
        f'<p><span class="sourced-cite">[{c.n}]</span> {_meta(c.title, c.source, c.published, c.page)}</p>'
        f"<blockquote>{passage_html}</blockquote>"
        f"{also_in_html(c, total_articles)}{document_viewer_html(c, document_text, pages)}</div>"
    )


def also_in_html(c: Citation, total_articles: int | None = None) -> str:
    """The "also in: a.txt, b.txt (reported by 3 of 5 articles)" line for a repeated passage."""
    from .markdown import reported_by

    others = [s for s in c.sources if s != c.source]
    if not others:
        return ""
    # issue 15: copies of one story count once ("2 articles, one a copy of the other")
    counted = escape(reported_by(c, total_articles))
    return f'<p class="sourced-also">also in: {escape(", ".join(others))} ({counted})</p>'


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


def sources_html(
    answer: Answer,
    document_text: Callable[[str], str | None],
    total_articles: int | None = None,
    document_pages: Callable[[str], Sequence[int]] | None = None,
) -> str:
    """The collapsible block under an answer: the standalone question if it differs, then the
    numbered citations (or, for a refusal, the related passages). `document_pages(source)`
    gives a paged document's page starts, so its viewer shows the cited page."""
    parts = []
    if answer.standalone_question and answer.standalone_question != answer.question:
        parts.append(f'<p class="sourced-understood">Understood as: <q>{escape(answer.standalone_question)}</q></p>')
    if answer.citations:
        for c in answer.citations:
            pages = document_pages(c.source) if document_pages and c.page else ()
            parts.append(citation_html(c, document_text(c.source), total_articles, pages))
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


# -- issue 15: the evidence table under an answer, and the Markdown export --------------------


def evidence_table_html(answer: Answer) -> str:
    """Each claim of the answer, its quote, article and date, and who supports or contradicts it."""
    rows = getattr(answer, "evidence_table", None) or []
    if not answer.answerable or not rows:
        return ""
    body = "".join(
        f'<tr><td><span class="sourced-cite">[{r.citation}]</span></td><td>{escape(r.claim)}</td>'
        f"<td><q>{escape(r.quote)}</q></td><td>{escape(r.title or r.source)}<br>"
        f'<span class="sourced-file">{escape(r.source)}</span></td><td>{escape(r.published or "")}</td>'
        f"<td>{escape(', '.join(r.supports)) or '—'}</td><td>{escape(', '.join(r.contradicts)) or '—'}</td></tr>"
        for r in rows
    )
    return (
        '<details class="sourced-evidence"><summary>Evidence table</summary><table>'
        "<thead><tr><th></th><th>Claim</th><th>Quote</th><th>Article</th><th>Date</th>"
        "<th>Also reported by</th><th>Contradicted by</th></tr></thead>"
        f"<tbody>{body}</tbody></table></details>"
    )


def markdown_export(answer: Answer, total_articles: int | None = None) -> str:
    """The answer as Markdown (answer, quotes, evidence, sources): see `ui.markdown`."""
    from .markdown import answer_markdown

    return answer_markdown(answer, total_articles)


class MarkdownExports:
    """The Markdown export of recent answers, keyed by (question, answer text) as the session's
    conversation state holds them, so the export box can show the session's last answer."""

    def __init__(self, size: int = 256) -> None:
        from collections import OrderedDict

        self._items: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._size = size

    def remember(self, answer: Answer, total_articles: int | None = None) -> None:
        self._items[(answer.question, answer.text)] = markdown_export(answer, total_articles)
        self._items.move_to_end((answer.question, answer.text))
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def last(self, turns: Sequence[dict] | None) -> str:
        """The export of the last answer in this conversation ('' if none is known)."""
        turns = list(turns or [])
        for i in range(len(turns) - 1, 0, -1):
            if turns[i].get("role") == "assistant" and turns[i - 1].get("role") == "user":
                return self._items.get((turns[i - 1].get("content", ""), turns[i].get("content", "")), "")
        return ""
