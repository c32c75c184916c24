"""The chat in a real browser: Playwright (PyPI) driving Debian's Chromium.

Covers what only a browser shows: the answer arriving with its [n] markers, the collapsible
Sources block opening on a click with the cited sentence highlighted, example questions, an
upload that is searchable at once, and hostile HTML in an article staying text (no dialog, no
script, no element). Screenshots go to test-artifacts/browser/.

The store is ingested from the seeds with the real MiniLM embedder (the fake `hash` embedder
makes `qa` refuse every question, see test_chat_api.py); the generator is extractive, so
answers are fast and deterministic. Chromium missing: skipped locally, a failure in CI
(`SOURCED_TEST_REQUIRE_BROWSER`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from conftest import ROOT, SEED_FILES, free_port

from qa.assistant import Assistant
from qa.config import Config
from ui.chat import build_app, serve
from vectorstore.config import StoreConfig
from vectorstore.ingest import ingest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ARTIFACTS = ROOT / "test-artifacts" / "browser"
TIMEOUT_MS = 180_000  # a shared 2-core machine: generous
ANSWERED = """() => {
  const chat = document.querySelector('#chat');
  return chat && chat.querySelectorAll('.sourced-answer, .sourced-error').length >= %d
    && !chat.querySelector('.sourced-cursor') && !chat.querySelector('.sourced-status');
}"""

ZORBLAT = """Zorblat Festival Opens in Quillhaven

The annual Zorblat festival opened on Saturday in the harbour town of Quillhaven, drawing thousands of visitors.

The festival was opened by mayor Elsbeth Marrow, who cut a ribbon made of woven kelp.
"""
HOSTILE_TITLE = "Gribnock council <img src=x onerror=alert(3)> notice"
HOSTILE_SENTENCE = (
    "Officials wrote <script>window.__pwned = 1; alert('xss')</script> on the gribnock notice board, "
    'and <img src=x onerror="window.__pwned = 2; alert(2)"> appeared beside it.'
)
HOSTILE = f"""{HOSTILE_TITLE}

The gribnock council met on Monday in Sallowford. {HOSTILE_SENTENCE}

The gribnock council approved a new bridge over the river Sallow.
"""


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> Iterator[str]:
    config = Config(
        store=StoreConfig(store=tmp_path_factory.mktemp("browser") / "store", collection="articles"),
        generator="extractive",
    )
    assert ingest(SEED_FILES, config.store).ok
    demo = (ROOT / "eval" / "demo_questions.txt").read_text(encoding="utf-8").splitlines()
    app = build_app(Assistant.open(config=config), examples=demo)
    address = serve(app, "127.0.0.1", free_port(), block=False)
    yield address
    app.close()


@pytest.fixture
def page(browser, url):
    """A fresh tab (a fresh Gradio session) on the chat, with dialogs recorded and dismissed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.dialogs = []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    tab.goto(url, wait_until="load")
    tab.wait_for_selector("#question textarea")
    yield tab
    context.close()


def shot(page, name: str, focus=None) -> None:
    """A screenshot for people (not for assertions): `focus` scrolled into view first."""
    if focus is not None:
        focus.scroll_into_view_if_needed()
    page.wait_for_timeout(800)  # let the block's opening animation finish
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(page, question: str) -> None:
    answers = page.locator("#chat .sourced-answer, #chat .sourced-error").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(ANSWERED % (answers + 1))


def open_block(page, title: str):
    """Click the last collapsible block with this title open; returns its message element."""
    message = page.locator("#chat [data-testid=bot]").filter(has=page.locator("[role=button]", has_text=title)).last
    header = message.locator("[role=button]", has_text=title)
    assert message.locator("mark, blockquote").count() == 0, "the block should start collapsed"
    header.click()
    message.locator("blockquote").first.wait_for()
    return message


def test_cited_answer_with_highlighted_sources(page):
    ask(page, "Who accompanied Kim?")
    answer = page.locator("#chat .sourced-answer").last.inner_text()
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert 1 in markers, answer
    assert "Traceback" not in page.locator("#chat").inner_text()

    sources = open_block(page, "Sources")
    numbered = sources.locator(".sourced-source")
    assert numbered.count() == len(markers)  # one source per marker, nothing uncited
    for i in range(numbered.count()):
        source = numbered.nth(i)
        text = source.inner_text()
        assert re.match(r"\[\d+\] ", text) and re.search(r"\d{3}_[0-9a-f]+\.txt", text), text
        mark = source.locator("blockquote mark")
        assert mark.count() == 1
        quote = mark.inner_text().strip()
        assert quote and quote in source.locator("blockquote").inner_text()
    marked = " ".join(sources.locator("mark").all_inner_texts())
    assert "Choe Sun-hui" in marked or "Jo Chun" in marked, marked
    # the highlight is visibly different from the passage around it
    background = sources.locator("mark").first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    shot(page, "cited-answer", sources)
    readme_shot(page)


def readme_shot(page) -> None:
    """`SOURCED_SCREENSHOT=docs/chat-screenshot.png pytest tests/test_browser.py -k cited` refreshes
    the README's picture: this very page, the answer and its opened Sources in view."""
    target = os.environ.get("SOURCED_SCREENSHOT")
    if not target:
        return
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#chat .sourced-answer").last.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    path = ROOT / target
    page.screenshot(path=str(path))
    assert path.stat().st_size < 300_000, f"{path} is {path.stat().st_size} bytes; keep it under 300 KB"


def test_example_question_on_an_empty_chat_and_a_refusal(page):
    page.locator("#chat button", has_text="What did Kim eat for breakfast?").click()
    page.wait_for_function(ANSWERED % 1)
    chat = page.locator("#chat")
    assert "What did Kim eat for breakfast?" in chat.locator("[data-testid=user]").inner_text()
    assert "The articles don't say" in chat.locator(".sourced-answer").inner_text()
    related = open_block(page, "Related passages")
    assert related.locator(".sourced-related").count() >= 1
    assert related.locator("mark").count() == 0  # related passages are not citations
    shot(page, "refusal", related)


def test_empty_question_is_a_message(page):
    page.click("#ask")
    page.wait_for_function(ANSWERED % 1)
    assert "The question is empty" in page.locator("#chat .sourced-error").inner_text()
    assert page.locator("#chat [data-testid=user]").count() == 0


def test_hostile_html_in_a_question_stays_text(page):
    question = "<img src=x onerror=\"window.__pwned = 3; alert(3)\"><script>alert(4)</script> Who accompanied Kim?"
    ask(page, question)
    user = page.locator("#chat [data-testid=user]").last
    assert "<img src=x" in user.inner_text() and "<script>" in user.inner_text()  # shown as typed
    assert page.locator("#chat .sourced-answer").last.inner_text()  # and answered
    assert page.locator("#chat script, #chat img, #chat [onerror]").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert page.dialogs == []
    shot(page, "hostile-question")


def test_upload_is_searchable_at_once_and_hostile_html_stays_text(page, tmp_path):
    festival, hostile = tmp_path / "zorblat_festival.txt", tmp_path / "gribnock.txt"
    festival.write_text(ZORBLAT, encoding="utf-8")
    hostile.write_text(HOSTILE, encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files([str(festival), str(hostile)])
    page.wait_for_function("() => document.querySelector('#upload-report')?.innerText.includes('searchable')")
    report = page.locator("#upload-report").inner_text()
    assert "zorblat_festival.txt added" in report and "gribnock.txt added" in report
    documents = page.locator("#documents").inner_text()
    assert "Zorblat Festival Opens in Quillhaven" in documents and "zorblat_festival.txt" in documents
    assert HOSTILE_TITLE in documents  # shown as text
    shot(page, "uploaded")

    ask(page, "Who opened the Zorblat festival?")
    answer = page.locator("#chat .sourced-answer").last.inner_text()
    assert re.search(r"\[1\]", answer), answer
    sources = open_block(page, "Sources")
    assert "zorblat_festival.txt" in sources.inner_text()
    assert "Elsbeth Marrow" in sources.inner_text()

    ask(page, "What did the gribnock council write on the notice board?")
    answer = page.locator("#chat .sourced-answer").last
    assert HOSTILE_SENTENCE in answer.inner_text()
    sources = open_block(page, "Sources")
    assert HOSTILE_TITLE in sources.inner_text() and HOSTILE_SENTENCE in sources.inner_text()
    shot(page, "hostile-article", sources)
    for where in ("#chat", "#documents"):
        assert page.locator(f"{where} script, {where} img, {where} [onerror]").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert page.dialogs == []
