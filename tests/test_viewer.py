"""The chat's source viewer and page labels (`ui.chat_format`): the cited page of a PDF, or the
whole text of an unpaged document, with the quote highlighted, everything escaped."""

from __future__ import annotations

import re

from qa.types import Answer, Citation
from ui import chat_format as fmt

PAGE_1 = "The ferry timetable changed on Monday. Crews were told early.\n\n"
PAGE_2 = "Harbour officials said the <b>night</b> crossing is cancelled. Passengers may rebook.\n"
TEXT = PAGE_1 + PAGE_2
PAGES = (0, len(PAGE_1))
QUOTE = "Harbour officials said the <b>night</b> crossing is cancelled."


def cite(**kw) -> Citation:
    start = TEXT.index(QUOTE)
    base = dict(n=1, source="f.pdf", title="Ferry notice", quote=QUOTE, start=start, end=start + len(QUOTE),
                passage_start=start, passage_end=len(TEXT), page=2)  # fmt: skip
    return Citation(**(base | kw))


def visible(markup: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", markup.replace("<br>", "\n")))


def test_pdf_viewer_shows_the_cited_page_with_its_number_and_the_quote_highlighted():
    markup = fmt.document_viewer_html(cite(), TEXT, PAGES)
    assert markup.startswith('<details class="sourced-viewer"><summary>Open the document at p. 2</summary>')
    assert "Page 2 of 2" in visible(markup)
    assert "ferry timetable" not in visible(markup)  # page 1 is not shown
    here = re.search(r'<span class="sourced-here">(.*?)</span>', markup).group(1)
    assert visible(here) == QUOTE
    assert "<b>" not in markup  # the article's markup shows as text


def test_unpaged_viewer_shows_the_whole_document():
    c = cite(source="f.txt", page=None)
    markup = fmt.document_viewer_html(c, TEXT)
    assert "<summary>Open the whole document</summary>" in markup
    assert "Page 2 of" not in visible(markup)
    assert PAGE_1.strip() in visible(markup) and PAGE_2.strip() in visible(markup)


def test_viewer_is_left_out_when_the_document_changed():
    assert fmt.document_viewer_html(cite(), "Entirely different text now.", PAGES) == ""
    assert fmt.document_viewer_html(cite(), None, PAGES) == ""


def test_sources_block_labels_the_page_and_passes_the_page_starts():
    a = Answer(question="q", standalone_question="q", text=f"{QUOTE} [1]", answerable=True, citations=[cite()])
    asked: list[str] = []

    def pages(source: str):
        asked.append(source)
        return PAGES

    markup = fmt.sources_html(a, {"f.pdf": TEXT}.get, 3, pages)
    assert "[1] Ferry notice — f.pdf · p. 2" in visible(markup)
    assert "Page 2 of 2" in visible(markup) and asked == ["f.pdf"]
    assert 'class="sourced-viewer"' in markup


def test_head_script_scrolls_to_the_highlight():
    assert ".sourced-here" in fmt.VIEWER_HEAD and "scrollIntoView" in fmt.VIEWER_HEAD
    assert ".sourced-here" in fmt.VIEWER_CSS
