"""The source viewer in a real browser: a PDF citation opens its page, scrolled to the quote.

Playwright drives Debian's Chromium against the chat over a store holding a two-page PDF built
from a seed article (real MiniLM, extractive generator). Skipped when Chromium or Playwright is
missing, except in CI (`SOURCED_TEST_REQUIRE_BROWSER`). A screenshot goes to
test-artifacts/browser/source-viewer.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, free_port
from docfactory import make_pdf
from test_formats import ARTICLE_0, PAGE_2_ANSWER, two_page_pdf

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ANSWERED = """() => {
  const chat = document.querySelector('#chat');
  return chat && chat.querySelectorAll('.sourced-answer, .sourced-error').length >= 1
    && !chat.querySelector('.sourced-cursor') && !chat.querySelector('.sourced-status');
}"""


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    from qa.assistant import Assistant
    from qa.config import Config
    from ui.chat import build_app, serve
    from vectorstore.config import StoreConfig
    from vectorstore.ingest import ingest

    folder = tmp_path_factory.mktemp("viewer-docs")
    two_page_pdf(folder / "summit.pdf", title="Summit report")
    config = Config(store=StoreConfig(store=tmp_path_factory.mktemp("viewer") / "store"), generator="extractive")
    assert ingest([folder], config.store).ok
    app = build_app(Assistant.open(config=config))
    address = serve(app, "127.0.0.1", free_port(), block=False)
    yield address
    app.close()


def open_tab(browser, address: str):
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    tab.set_default_timeout(180_000)
    tab.goto(address, wait_until="load")
    return tab


@pytest.fixture
def page(browser, url):
    tab = open_tab(browser, url)
    tab.wait_for_selector("#question textarea")
    yield tab
    tab.close()


def check_viewer(page, source) -> None:
    """Open the source's viewer: the cited page, scrolled so the highlighted quote is in view."""
    assert "summit.pdf · p. 2" in source.inner_text()
    viewer = source.locator("details.sourced-viewer")
    viewer.locator("summary", has_text="Open the document at p. 2").click()
    here = viewer.locator(".sourced-here")
    here.wait_for(state="visible")
    assert PAGE_2_ANSWER in here.inner_text()
    assert "Page 2 of 2" in viewer.inner_text()
    page.wait_for_timeout(500)
    inside = here.evaluate(
        """h => { const box = h.closest('.sourced-doc').getBoundingClientRect(), r = h.getBoundingClientRect();
                  return r.top >= box.top - 1 && r.bottom <= box.bottom + 1; }"""
    )
    assert inside, "the highlighted quote is not scrolled into the viewer's visible box"
    background = here.evaluate("h => getComputedStyle(h).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    artifacts = ROOT / "test-artifacts" / "browser"
    artifacts.mkdir(parents=True, exist_ok=True)
    viewer.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "source-viewer.png"), full_page=True)


def test_viewer_renders_and_scrolls_in_the_gradio_chatbot(browser, tmp_path: Path):
    """The viewer markup through Gradio's own chatbot, CSS and head script (no assistant)."""
    import gradio as gr

    from qa.types import Answer, Citation
    from ui import chat_format as fmt
    from ui.chat import serve
    from vectorstore.documents import load_document

    # a long page 2, so the quote starts below the viewer's fold and only a scroll shows it
    pages = ["\n\n".join(ARTICLE_0[:5]), "\n\n".join(ARTICLE_0[9:] + ARTICLE_0[5:9])]
    doc = load_document(make_pdf(tmp_path / "summit.pdf", pages))
    start = doc.text.index(PAGE_2_ANSWER)
    c = Citation(1, "summit.pdf", "Summit", PAGE_2_ANSWER, start, start + len(PAGE_2_ANSWER),
                 passage_start=start, passage_end=start + len(PAGE_2_ANSWER), page=doc.page_of(start))  # fmt: skip
    answer = Answer("q", "q", f"{PAGE_2_ANSWER} [1]", True, citations=[c])
    body = fmt.sources_html(answer, {"summit.pdf": doc.text}.get, 1, {"summit.pdf": doc.pages}.get)
    with gr.Blocks() as app:
        gr.Chatbot(
            value=[gr.ChatMessage(role="assistant", content=body, metadata={"title": "Sources", "status": "done"})],
            elem_id="chat",
        )
    address = serve(app, "127.0.0.1", free_port(), block=False)
    try:
        tab = open_tab(browser, address)
        tab.locator("#chat [role=button]", has_text="Sources").click()
        check_viewer(tab, tab.locator("#chat .sourced-source").first)
        tab.close()
    finally:
        app.close()


def test_pdf_citation_opens_its_page_scrolled_to_the_quote(page):
    page.fill("#question textarea", "Who accompanied Kim?")
    page.press("#question textarea", "Enter")
    page.wait_for_function(ANSWERED)
    message = page.locator("#chat [data-testid=bot]").filter(has=page.locator("[role=button]", has_text="Sources")).last
    message.locator("[role=button]", has_text="Sources").click()
    source = message.locator(".sourced-source").filter(has_text=PAGE_2_ANSWER[:40]).first
    check_viewer(page, source)
