"""An answer as Markdown a journalist can paste into a note: `sourced ask ... --markdown` and the
chat's "Copy as Markdown" / download.

The export holds the question, the answer text with its `[n]` markers, a blockquote of each
cited sentence with where it comes from, any disagreement, the evidence table and the source
list (title, file, date, page when the citation has one). Article text is quoted as written;
only the characters that would break the Markdown structure (a `|` in a table cell, a line
break inside a blockquote) are escaped.
"""

from __future__ import annotations

from qa.types import Answer, Citation
from qa.values import format_published


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("\\", "\\\\").replace("|", "\\|")


def _blockquote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines())


def _where(c: Citation) -> str:
    parts = [f"*{c.title or c.source}*", f"`{c.source}`"]
    if c.published:
        parts.append(format_published(c.published))
    page = getattr(c, "page", None)
    if page:
        parts.append(f"p. {page}")
    return ", ".join(parts)


def reported_by(c: Citation, total_articles: int | None = None) -> str:
    """'reported by 2 of 3 articles (b.txt is a copy of a.txt)', or '' for a single article."""
    sources = c.sources
    independent = getattr(c, "reported_by", None) or sources
    copies = getattr(c, "copies", None) or {}
    if len(sources) < 2:
        return ""
    n = len(independent)
    of = f" of {total_articles}" if total_articles and total_articles >= n else ""
    text = f"reported by {n}{of} article{'s' if of or n != 1 else ''}"
    if copies:
        pairs = "; ".join(f"{k} is a copy of {v}" for k, v in copies.items())
        if len(sources) == 2:
            text += f" (2 articles, one a copy of the other: {pairs})"
        else:
            text += f" ({len(sources)} articles, {len(copies)} of them copies: {pairs})"
    return text


def answer_markdown(answer: Answer, total_articles: int | None = None) -> str:
    lines = [f"## {answer.question.strip()}", ""]
    if answer.standalone_question and answer.standalone_question != answer.question:
        lines += [f"*Understood as: {answer.standalone_question}*", ""]
    lines += [answer.text.strip(), ""]
    for conflict in answer.conflicts:
        sides = "; ".join(f"{s.value} [{s.citation}] ({', '.join(s.sources)})" for s in conflict.sides)
        lines += [f"**The sources disagree on the {conflict.topic}:** {sides}", ""]
    if answer.citations:
        lines += ["### Quotes", ""]
        for c in answer.citations:
            lines += [f"**[{c.n}]** {_where(c)}", "", _blockquote(c.quote), ""]
        table = getattr(answer, "evidence_table", None) or []
        if table:
            lines += [
                "### Evidence",
                "",
                "| # | Claim | Article | Date | Also reported by | Contradicted by |",
                "|---|---|---|---|---|---|",
            ]
            for r in table:
                lines.append(
                    f"| [{r.citation}] | {_cell(r.claim)} | {_cell(r.title or r.source)} (`{_cell(r.source)}`) | "
                    f"{_cell(format_published(r.published))} | {_cell(', '.join(r.supports)) or '—'} | "
                    f"{_cell(', '.join(r.contradicts)) or '—'} |"
                )
            lines.append("")
        lines += ["### Sources", ""]
        for c in answer.citations:
            also = [s for s in c.sources if s != c.source]
            extra = f" — also in {', '.join(also)}; {reported_by(c, total_articles)}" if also else ""
            lines.append(f"{c.n}. {_where(c)}{extra}")
        lines.append("")
    elif answer.related:
        lines += ["### Related passages (not an answer)", ""]
        for p in answer.related:
            lines += [f"- *{p.title or p.source}*, `{p.source}`", "", _blockquote(p.text[:600]), ""]
    for notice in answer.notices:
        lines += [f"*Note: {notice}*", ""]
    return "\n".join(lines).rstrip() + "\n"
