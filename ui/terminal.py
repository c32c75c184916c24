"""An answer as text for the terminal (`sourced ask`): the answer, then its numbered sources.

The same answer as Markdown is `ui.markdown`; as the web chat's HTML, `ui.chat_format`.
"""

from __future__ import annotations

import textwrap

from qa.types import Answer

from .markdown import reported_by


def answer_as_text(answer: Answer, with_text: bool = True, width: int = 100, total_articles: int | None = None) -> str:
    """The answer, then its numbered sources (title, file, quote), conflicts and notices."""
    lines: list[str] = []
    if with_text:
        lines.append(textwrap.fill(answer.text, width))
    if answer.standalone_question != answer.question:
        lines.append(f"\n(understood as: {answer.standalone_question})")
    for c in answer.conflicts:
        sides = "; ".join(f"[{s.citation}] {s.value} ({', '.join(s.sources)})" for s in c.sides)
        lines.append(f"\nSources disagree on the {c.topic}: {sides}")
    if answer.citations:
        lines.append("\nSources:")
        for c in answer.citations:
            also = ""
            if c.also_in:  # "reported by 2 of 3 articles", copies counted once
                also = f"  (also in: {', '.join(loc.source for loc in c.also_in)}; {reported_by(c, total_articles)})"
            date = f", {c.published}" if c.published else ""
            page = f", p. {c.page}" if c.page else ""
            lines.append(f"[{c.n}] {c.title} — {c.source}{page}{date}{also}")
            lines.append(textwrap.indent(textwrap.fill(f"“{c.quote}”", width - 4), "    "))
    elif answer.related:
        lines.append("\nRelated passages (not an answer):")
        for p in answer.related:
            lines.append(f"- {p.title} — {p.source}")
            lines.append(textwrap.indent(textwrap.fill(p.text[:300] + ("…" if len(p.text) > 300 else ""),
                                                       width - 4), "    "))
    for notice in answer.notices:
        lines.append(f"\nnote: {notice}")
    return "\n".join(lines)
