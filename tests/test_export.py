"""The Markdown export (`sourced ask --markdown`, the chat's "Copy as Markdown") and the
evidence table / "reported by" lines in the terminal and the chat."""

from __future__ import annotations

import pytest
from conftest import run_cli

from qa.types import Answer, Citation, Conflict, ConflictSide, EvidenceRow, Location
from ui import chat_format as fmt
from ui.markdown import answer_markdown, reported_by
from ui.terminal import answer_as_text


def make_answer() -> Answer:
    a = Citation(1, "a.txt", "Flood | town", "The flood killed nine people.", 0, 29, published="2024-03-04",
                 also_in=[Location("c.txt", 0, 5), Location("d.txt", 0, 5)])  # fmt: skip
    a.reported_by, a.copies = ["a.txt", "c.txt"], {"d.txt": "a.txt"}
    a.page = 3
    b = Citation(2, "b.txt", "Toll rises", "At least 12 people died.\nMore may be missing.", 0, 40,
                 published="2024-03-05")  # fmt: skip
    conflict = Conflict("number of people", [ConflictSide("nine people", 1, ["a.txt", "c.txt", "d.txt"]),
                                             ConflictSide("at least 12 people", 2, ["b.txt"])])  # fmt: skip
    answer = Answer(
        "How many people died?", "How many people died?",
        "The articles disagree on the number of people: nine people [1], at least 12 people [2]. "
        "The flood killed nine people. [1] At least 12 people died. [2]",
        True, [a, b], [conflict],
    )  # fmt: skip
    answer.evidence_table = [
        EvidenceRow("The flood killed nine people.", 1, "a.txt", "Flood | town", "2024-03-04", a.quote,
                    ["c.txt", "d.txt"], ["b.txt"]),
        EvidenceRow("At least 12 people died.", 2, "b.txt", "Toll rises", "2024-03-05", b.quote, [], ["a.txt"]),
    ]  # fmt: skip
    return answer


def test_markdown_holds_answer_quotes_sources_and_evidence():
    md = answer_markdown(make_answer(), total_articles=4)
    assert md.startswith("## How many people died?\n")
    assert "nine people [1], at least 12 people [2]" in md
    # each cited sentence as a blockquote, every line quoted
    assert "> The flood killed nine people." in md
    assert "> At least 12 people died.\n> More may be missing." in md
    # the source list: title, file, date, page; copies counted once
    assert "1. *Flood | town*, `a.txt`, 4 March 2024, p. 3 — also in c.txt, d.txt; reported by 2 of 4 articles" in md
    assert "d.txt is a copy of a.txt" in md
    assert "2. *Toll rises*, `b.txt`, 5 March 2024" in md
    # the evidence table: one row per claim, pipes in cells escaped
    row = "| [1] | The flood killed nine people. | Flood \\| town (`a.txt`) | 4 March 2024 | c.txt, d.txt | b.txt |"
    assert row in md
    assert "**The sources disagree on the number of people:**" in md


def test_reported_by_lines():
    c = Citation(1, "a.txt", "A", "q", 0, 1, also_in=[Location("b.txt", 0, 1)])
    c.reported_by, c.copies = ["a.txt"], {"b.txt": "a.txt"}
    assert reported_by(c, 3) == (
        "reported by 1 of 3 articles (2 articles, one a copy of the other: b.txt is a copy of a.txt)"
    )
    plain = Citation(1, "a.txt", "A", "q", 0, 1, also_in=[Location("b.txt", 0, 1)])
    assert reported_by(plain, 3) == "reported by 2 of 3 articles"
    assert reported_by(Citation(1, "a.txt", "A", "q", 0, 1)) == ""


def test_terminal_and_chat_show_corroboration_and_the_table():
    answer = make_answer()
    text = answer_as_text(answer, total_articles=4)
    assert (
        "(also in: c.txt, d.txt; reported by 2 of 4 articles (3 articles, 1 of them copies: d.txt is a copy of a.txt))"
    ) in text
    html = fmt.evidence_table_html(answer)
    assert html.startswith('<details class="sourced-evidence">') and html.count("<tr>") == 3
    assert "Flood &#124; town" in html and "b.txt" in html and "\n\n" not in html
    assert fmt.evidence_table_html(Answer("q", "q", "The articles don't say.", False)) == ""
    exports = fmt.MarkdownExports(size=2)
    exports.remember(answer)
    turns = [{"role": "user", "content": answer.question}, {"role": "assistant", "content": answer.text}]
    assert exports.last(turns) == answer_markdown(answer)
    exports.remember(Answer("q2", "q2", "t2", False))
    exports.remember(Answer("q3", "q3", "t3", False))
    assert exports.last(turns) == ""  # the oldest export was dropped


@pytest.mark.integration
def test_cli_markdown(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Bridge reopens\nPublished: 2024-03-04\n\nThe old bridge over the river reopened to traffic on Monday after "
        "repairs that cost 4 million euros.\n",
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        "Market news\nPublished: 2024-03-05\n\nThe fish market moved to a new hall near the harbour.\n",
        encoding="utf-8",
    )
    store = str(tmp_path / "store")
    ingest = run_cli("ingest", str(folder), "--store", store, "--embedder", "hash", "-q")
    assert ingest.returncode == 0, ingest.stderr
    out = run_cli("ask", "When did the old bridge reopen to traffic?", "--store", store, "--generator", "extractive",
                  "--markdown")  # fmt: skip
    assert out.returncode == 0, out.stderr
    md = out.stdout
    assert md.startswith("## When did the old bridge reopen to traffic?")
    assert "[1]" in md and "> The old bridge over the river reopened to traffic on Monday" in md
    assert "### Sources" in md and "`a.txt`" in md and "4 March 2024" in md
