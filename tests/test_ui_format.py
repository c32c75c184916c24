"""The chat's HTML formatting (`ui.chat_format`): highlighting, escaping, source blocks.

Outputs are checked by parsing them with the standard library's HTML parser, the way a browser
would: which tags exist, which attributes they carry, and what text a reader sees. Hostile
article text must come out as text, never as tags or event handlers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.types import Answer, Citation, Conflict, ConflictSide, Location, Passage
from ui import chat_format as fmt
from vectorstore.ingest import ADDED, FAILED, SKIPPED, UNCHANGED, FileOutcome, IngestReport
from vectorstore.types import DocumentRecord

HOSTILE = "<script>alert(1)</script> & <img src=x onerror=alert(2)> *bold* [1](javascript:x) $$x$$ `c` # h"
ALLOWED_TAGS = {"div", "p", "span", "br", "mark", "blockquote", "strong", "em", "ul", "li", "code", "q"}
ALLOWED_TAGS |= {"details", "summary"}  # the source viewer (issue 14)


class Page(HTMLParser):
    """Tags, attributes and visible text of an HTML fragment; text inside <mark> kept apart."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.parts: list[str] = []
        self.marks: list[str] = []
        self._in_mark = 0
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "br":
            self.parts.append("\n")
            if self._in_mark:
                self.marks[-1] += "\n"
        elif tag == "mark":
            self._in_mark += 1
            self.marks.append("")

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark -= 1

    def handle_data(self, data):
        self.parts.append(data)
        if self._in_mark:
            self.marks[-1] += data

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def tag_names(self) -> set[str]:
        return {t for t, _ in self.tags}

    def by_class(self, cls: str) -> int:
        return sum(1 for _, a in self.tags if cls in (a.get("class") or "").split())


def assert_inert(markup: str) -> Page:
    """No tag outside our small vocabulary, no event handler, no URL attribute."""
    page = Page(markup)
    assert page.tag_names() <= ALLOWED_TAGS, page.tag_names() - ALLOWED_TAGS
    for tag, attrs in page.tags:
        for name in attrs:
            assert name in ("class", "data-n"), f"<{tag} {name}=...> in {markup[:200]}"
    return page


def without_entities(markup: str) -> str:
    return re.sub(r"&#?\w+;", "", markup)


# -- fixtures as plain objects ------------------------------------------------------------

DOC = (
    "Kim Meets Putin\n\nKim left Pyongyang on Sunday. Kim was accompanied by his foreign minister, "
    "Choe Sun-hui, and Jo Chun-ryong. The train reached Khasan on Tuesday.\n\nMore later."
)
QUOTE = "Kim was accompanied by his foreign minister, Choe Sun-hui, and Jo Chun-ryong."
Q_START = DOC.index(QUOTE)
P_START = DOC.index("Kim left")
P_END = DOC.index("\n\nMore later")


def citation(n: int = 1, **kw) -> Citation:
    base = dict(
        n=n,
        source="a.txt",
        title="Kim Meets Putin",
        quote=QUOTE,
        start=Q_START,
        end=Q_START + len(QUOTE),
        published="2023-09-12",
        passage_start=P_START,
        passage_end=P_END,
    )
    return Citation(**(base | kw))


def answer(**kw) -> Answer:
    base = dict(
        question="Who accompanied Kim?",
        standalone_question="Who accompanied Kim?",
        text=f"{QUOTE} [1]",
        answerable=True,
        citations=[citation()],
    )
    return Answer(**(base | kw))


def passage(source: str = "b.txt", text: str = "Putin will host Kim in Vladivostok.", title: str = "Summit") -> Passage:
    return Passage(id=f"{source}-0", source=source, title=title, published=None, text=text, start=0, end=len(text))


# -- escaping ----------------------------------------------------------------------------


def test_escape_shows_hostile_markup_as_text():
    out = fmt.escape(HOSTILE)
    page = assert_inert(out)
    assert page.text == HOSTILE
    assert page.tag_names() == set()
    # nothing a Markdown or math renderer would act on is left raw
    assert not set(without_entities(out)) & set("<>*_[]`$#|~\\")


@settings(deadline=None)  # a shared, busy machine: no per-example time limit
@given(st.text())
def test_escape_round_trips_any_text(text):
    out = fmt.escape(text)
    page = Page(out)
    assert page.tag_names() <= {"br"}
    assert page.text == text.replace("\r\n", "\n").replace("\r", "\n")
    assert "\n" not in out and "\r" not in out  # a blank line would end Markdown's raw HTML block


def test_escape_does_not_double_escape_entities_in_the_text():
    page = Page(fmt.escape("alert('x') &amp; &#91;"))
    assert page.text == "alert('x') &amp; &#91;"


# -- highlighting ------------------------------------------------------------------------


def test_highlight_marks_exactly_the_offsets():
    start, end = Q_START - P_START, Q_START - P_START + len(QUOTE)
    text = DOC[P_START:P_END]
    page = assert_inert(fmt.highlight(text, start, end))
    assert page.marks == [QUOTE]
    assert page.text == text


@settings(deadline=None)
@given(st.text(min_size=1).map(lambda t: t.replace("\r", "")), st.integers(-5, 60), st.integers(-5, 60))
def test_highlight_keeps_the_text_and_marks_the_slice(text, a, b):
    start, end = min(a, b), max(a, b)
    page = Page(fmt.highlight(text, start, end))
    assert page.text == text
    expected = text[max(start, 0) : max(end, 0)]
    assert page.marks == ([expected] if expected else [])


def test_highlight_escapes_hostile_text_inside_and_outside_the_mark():
    text = "before <script>alert(1)</script> after <img src=x onerror=alert(2)>"
    start = text.index("<script>")
    end = text.index(" after")
    page = assert_inert(fmt.highlight(text, start, end))
    assert page.marks == ["<script>alert(1)</script>"]
    assert page.text == text


# -- the answer message ------------------------------------------------------------------


def test_answer_markers_are_styled_and_text_escaped():
    a = answer(
        text="Kim came <b>with</b> officials [1] and <script>x</script> [2]. Not a source: [7].",
        citations=[citation(1), citation(2, source="c.txt")],
    )
    page = assert_inert(fmt.answer_html(a))
    assert "Kim came <b>with</b> officials [1] and <script>x</script> [2]. Not a source: [7]." in page.text
    assert page.by_class("sourced-cite") == 2  # [7] is not a citation: plain text
    assert "b" not in page.tag_names() and "script" not in page.tag_names()


def test_streaming_text_is_escaped_and_has_a_cursor():
    page = assert_inert(fmt.streaming_html("Kim <img src=x onerror=alert(1)> [1"))
    assert page.text.startswith("Kim <img src=x onerror=alert(1)> [1")
    assert page.by_class("sourced-cursor") == 1


def test_refusal_says_so_and_lists_related_passages_not_citations():
    a = answer(
        text="The articles don't say.",
        answerable=False,
        citations=[],
        related=[passage(), passage("c.txt", "<script>alert(3)</script> Kim ate nothing we know of.", "C <i>t</i>")],
    )
    body = assert_inert(fmt.answer_html(a))
    assert "The articles don't say" in body.text
    assert body.by_class("sourced-cite") == 0
    assert fmt.sources_title(a) == fmt.RELATED_TITLE
    sources = assert_inert(fmt.sources_html(a, lambda s: None, 5))
    assert sources.by_class("sourced-related") == 2
    assert sources.marks == [] and sources.by_class("sourced-cite") == 0
    assert "<script>alert(3)</script> Kim ate nothing" in sources.text
    assert "C <i>t</i>" in sources.text and "c.txt" in sources.text and "b.txt" in sources.text


def test_related_passages_are_shortened():
    long = "word " * 500
    page = Page(fmt.related_html([passage(text=long)], limit=100))
    assert len(page.text) < 200 and page.text.rstrip().endswith("…")


def test_conflicts_show_each_side_with_its_citation():
    a = answer(
        text="The summit is on September 12 [1] or September 13 [2].",
        citations=[citation(1), citation(2, source="b.txt")],
        conflicts=[
            Conflict(
                "date",
                [
                    ConflictSide("September 12", 1, ["a.txt", "d.txt"]),
                    ConflictSide("September 13 <b>", 2, ["b.txt"]),
                ],
            )
        ],
    )
    page = assert_inert(fmt.answer_html(a))
    assert page.by_class("sourced-conflict") == 1
    text = " ".join(page.text.split())
    assert "Sources disagree on the date" in text
    assert "[1] “September 12” — a.txt, d.txt" in text
    assert "[2] “September 13 <b>” — b.txt" in text


def test_notices_are_shown_escaped():
    a = answer(notices=["The model timed out <after 30 s>."])
    page = assert_inert(fmt.answer_html(a))
    assert "Note: The model timed out <after 30 s>." in page.text


# -- the Sources block ---------------------------------------------------------------------


def test_sources_block_shows_title_file_date_and_the_marked_passage():
    a = answer()
    markup = fmt.sources_html(a, {"a.txt": DOC}.get, 5)
    page = assert_inert(markup)
    assert page.marks == [QUOTE]
    assert DOC[P_START:P_END] in page.text  # the surrounding passage, not just the quote
    shown = Page(re.sub(r'<details class="sourced-viewer">.*?</details>', "", markup))  # the viewer is collapsed
    assert "More later" not in shown.text  # and no more than the passage
    assert "[1] Kim Meets Putin — a.txt · 2023-09-12" in page.text
    assert "also in" not in page.text
    assert "Understood as" not in page.text


def test_sources_block_falls_back_to_the_quote_when_the_document_changed():
    a = answer()
    changed = "Something else entirely. " * 20
    for text in (None, changed):
        page = assert_inert(fmt.sources_html(a, lambda s, t=text: t, 5))
        assert page.marks == [QUOTE]
        assert "Something else" not in page.text


def test_also_in_lists_the_other_files_and_how_many_articles_report_it():
    c = citation(also_in=[Location("b.txt", 0, 10, "B"), Location("c.txt", 5, 20, "C")])
    page = Page(fmt.sources_html(answer(citations=[c]), {"a.txt": DOC}.get, 5))
    assert "also in: b.txt, c.txt (reported by 3 of 5 articles)" in page.text
    unknown_total = Page(fmt.also_in_html(c, None))
    assert "(reported by 3 articles)" in unknown_total.text


def test_hostile_article_title_file_and_passage_show_as_text():
    doc = "Headline\n\nOfficials wrote <script>alert('xss')</script> there. Then <img src=x onerror=alert(2)> showed."
    quote = "Officials wrote <script>alert('xss')</script> there."
    start = doc.index(quote)
    c = citation(
        title="<img src=x onerror=alert(3)> title",
        source="<b>evil</b>.txt",
        quote=quote,
        start=start,
        end=start + len(quote),
        passage_start=doc.index("Officials"),
        passage_end=len(doc),
        published="<i>2023</i>",
    )
    a = answer(text=f"{quote} [1]", citations=[c], question="<img src=y onerror=alert(4)>?")
    for markup in (fmt.answer_html(a), fmt.sources_html(a, {c.source: doc}.get, 2)):
        page = assert_inert(markup)
        assert "script" not in page.tag_names() and "img" not in page.tag_names()
    page = Page(fmt.sources_html(a, {c.source: doc}.get, 2))
    assert page.marks == [quote]
    assert "<img src=x onerror=alert(3)> title — <b>evil</b>.txt · <i>2023</i>" in page.text
    assert "Then <img src=x onerror=alert(2)> showed." in page.text


def test_standalone_question_is_shown_when_it_differs_and_escaped():
    same = Page(fmt.sources_html(answer(), {"a.txt": DOC}.get))
    assert "Understood as" not in same.text
    a = answer(question="And <b>he</b>?", standalone_question="And <b>he</b>? (following up on: Kim)")
    page = assert_inert(fmt.sources_html(a, {"a.txt": DOC}.get))
    assert "Understood as: And <b>he</b>? (following up on: Kim)" in page.text


def test_sources_block_without_citations_or_related_says_nothing_matched():
    a = answer(answerable=False, citations=[], related=[], text="The articles don't say.")
    assert "No passage matched" in Page(fmt.sources_html(a, lambda s: None)).text


# -- side panel and messages -------------------------------------------------------------


def record(source: str, title: str, chunks: int = 3, published: str | None = None) -> DocumentRecord:
    return DocumentRecord(source, title, published, f"/x/{source}", "h", "v", chunks, 100, "txt", "now")


def test_documents_panel_lists_each_article_escaped():
    page = assert_inert(
        fmt.documents_html([record("a.txt", "Kim <script>x</script>", 4, "2023-09-12"), record("b.html", "", 2)])
    )
    assert "2 articles, 6 chunks" in page.text
    assert "Kim <script>x</script>" in page.text and "a.txt · 2023-09-12 · 4 chunks" in page.text
    assert "b.html" in page.text  # no title: the file name stands in
    assert "empty" in Page(fmt.documents_html([])).text


def test_ingest_report_names_each_file_and_its_outcome_without_temp_paths():
    report = IngestReport("/store", "articles", total_documents=7, total_chunks=44)
    report.outcomes = [
        FileOutcome("/tmp/gradio/x1/new.txt", "new.txt", ADDED, chunks=2),
        FileOutcome("/tmp/gradio/x2/same.txt", "same.txt", UNCHANGED, chunks=3),
        FileOutcome("/tmp/gradio/x3/twin.txt", "twin.txt", SKIPPED, "same content as a.txt, already stored"),
        FileOutcome("/tmp/gradio/x4/bad<img src=x onerror=1>.pdf", "bad<img>.pdf", FAILED, "unsupported file type"),
    ]
    page = assert_inert(fmt.ingest_report_html(report))
    text = page.text
    assert "new.txt added (2 chunks)" in text
    assert "same.txt already in the store, unchanged" in text
    assert "twin.txt skipped: same content as a.txt, already stored" in text
    assert "bad<img>.pdf not added: unsupported file type" in text
    assert "1 article(s) now searchable" in text and "7 articles, 44 chunks" in text
    assert "/tmp/gradio" not in text


def test_user_and_error_messages_are_escaped():
    page = assert_inert(fmt.user_html("<img src=x onerror=alert(1)> who?"))
    assert page.text == "<img src=x onerror=alert(1)> who?"
    assert len(Page(fmt.user_html("x" * 5000)).text) < 700
    page = assert_inert(fmt.error_html("The question is empty. Type a question <here>."))
    assert page.text == "Problem: The question is empty. Type a question <here>."
