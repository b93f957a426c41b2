"""The real app in real Chromium: ask, open a citation, upload, decline, stay safe, fit a phone.

Screenshots of the main states go to test-artifacts/screenshots/ (look at them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from conftest import BUNDLED, FIXTURES, ROOT, collapse, serving

from bot import Bot, Settings, chat
from bot.export import NOTHING_TO_EXPORT
from ingest.errors import SourceNotFoundError

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "test-artifacts" / "screenshots"
TIMEOUT = 30_000
LAPTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}

if not Path(CHROMIUM).exists():
    missing = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("QUOTEBOT_REQUIRE_BROWSER"):  # set by .ci/run: there, a skip would hide a failure
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder) -> Iterator[tuple[str, Bot]]:
    """The app as `quotebot serve` runs it, on a free loopback port, over a fresh store."""
    bot = Bot(Settings(store=tmp_path_factory.mktemp("browser") / "store"), embedder=embedder)
    with serving(bot) as (url, _):
        yield url, bot


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def _open(browser, url: str, viewport: dict[str, int], outside: list[str]) -> tuple[object, object]:
    """A new browser context and a page on ``url`` in it, once the chat is shown; a request off
    this machine is refused and recorded in ``outside``."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.split("/?")[0].rstrip("/"))

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(url)
    pg.wait_for_selector("#qb-chat")
    pg.wait_for_selector(".qb-source", state="attached")
    return context, pg


@pytest.fixture
def page(server, browser, request) -> Iterator[object]:
    """A fresh page on the app; any request off this machine is refused and fails the test."""
    url, _ = server
    outside: list[str] = []
    context, pg = _open(browser, url, getattr(request, "param", LAPTOP), outside)
    pg.wait_for_selector(".qb-source")
    yield pg
    context.close()
    assert outside == [], f"the page tried to reach {outside}"


@pytest.fixture
def visit(server, browser) -> Iterator[object]:
    """``visit(query)``: a fresh page on the app's address with ``query`` (``?q=…``), as a link
    opens it; any request off this machine is refused and fails the test."""
    url, _ = server
    outside: list[str] = []
    contexts = []

    def open_link(query: str, viewport: dict[str, int] = LAPTOP) -> object:
        context, pg = _open(browser, url + query, viewport, outside)
        contexts.append(context)
        return pg

    yield open_link
    for context in contexts:
        context.close()
    assert outside == [], f"the page tried to reach {outside}"


def ask(page, question: str) -> object:
    """Type ``question``, press Enter, and return the new answer once it is shown."""
    before = page.locator("#qb-chat .qb-answer").count()
    box = page.locator("#qb-ask textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#qb-chat .qb-answer').length > {before}")
    settle(page)
    return page.locator("#qb-chat .qb-answer").last


def settle(page) -> None:
    """Wait until the box takes questions again and sliding panels have stopped moving."""
    page.wait_for_function(
        "() => !document.querySelector('#qb-ask textarea').disabled"
        " && document.getAnimations().filter(a => a.playState === 'running'"
        " && !(a.effect && a.effect.getComputedTiming().iterations === Infinity)).length === 0"
    )


def upload(page, path: Path) -> str:
    """Upload ``path`` with the sources panel's button; return the status line it ends with."""
    status = page.locator("#qb-upload-status")
    previous = status.inner_text()
    with page.expect_file_chooser() as chooser:
        page.locator("#qb-upload").click()
    chooser.value.set_files(str(path))
    page.wait_for_function(
        "([prev]) => { const s = document.querySelector('#qb-upload-status .qb-status');"
        " return s && s.innerText !== prev; }",
        arg=[previous],
    )
    return status.inner_text()


def contrast(element) -> float:
    """The WCAG contrast ratio of ``element``'s text on the first opaque background behind it."""
    return element.evaluate(
        """(el) => {
          const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
            .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
          let bg = [255, 255, 255], alpha = 1;
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length < 4 || c[3] > 0.5) { bg = c.slice(0, 3); break; }
          }
          for (let e = el; e; e = e.parentElement) alpha *= parseFloat(getComputedStyle(e).opacity);
          const fg = rgb(getComputedStyle(el).color);
          const a = (fg.length > 3 ? fg[3] : 1) * alpha;
          const seen = [0, 1, 2].map((i) => fg[i] * a + bg[i] * (1 - a));
          const [hi, lo] = [lum(seen), lum(bg)].sort((x, y) => y - x);
          return (hi + 0.05) / (lo + 0.05);
        }"""
    )


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_first_load_shows_the_intro_examples_and_sources(page):
    assert page.get_by_text("Ask the interviews").is_visible()
    for question in chat.EXAMPLES:
        assert page.get_by_text(question).first.is_visible()
    sources = page.locator("#qb-sources").inner_text()
    assert "Foreign Minister Sergey Lavrov’s interview with Chinese media" in sources
    assert "33 passages" in sources and "Sergey Lavrov" in sources
    controls = [
        page.get_by_text("Empty: search all of them."),
        page.locator("#qb-k .min_value"),
        page.locator("#qb-upload"),
    ]
    for control in controls:
        assert contrast(control) >= 4.5, control
    shot(page, "01-first-load")


def test_an_example_is_answered_with_quote_highlight_citation_and_copy(page):
    page.get_by_text("What does Lavrov think about sanctions?").first.click()
    page.wait_for_selector("#qb-chat .qb-card")
    answer = page.locator("#qb-chat .qb-answer").last
    assert "Nothing good will ever come of sanctions" in " ".join(answer.inner_text().split())
    first = answer.locator(".qb-card").first
    assert first.locator("mark.qb-hl").count() >= 1
    cite = first.locator(".qb-cite-text").inner_text()
    assert cite.startswith("Sergey Lavrov · Foreign Minister Sergey Lavrov’s interview")
    assert "Moscow, March 22, 2021 · question 3 · ¶" in cite  # the date once: the title gives it
    asked = first.locator(".qb-asked").inner_text()  # a long turn is shown from where it asks
    assert "how can modern diplomacy respond to these steps coming from the West?" in asked
    assert "%" in first.locator(".qb-rel").inner_text()
    shot(page, "02-answer")

    first.locator("a.qb-copy").click()
    page.wait_for_function("window.__qbCopied !== undefined")
    copied = page.evaluate("window.__qbCopied")
    quoted = " ".join(first.locator(".qb-quote").inner_text().split()).strip("“”")
    assert copied.startswith("“") and quoted in " ".join(copied.split())
    assert copied.endswith(cite) and "\n— " in copied
    assert page.evaluate("navigator.clipboard.readText()") == copied

    follow_up = ask(page, "And what does he say the EU did?")
    assert follow_up.locator(".qb-card").count() >= 1
    shown = set(follow_up.locator(".qb-quote").all_inner_texts())
    more = ask(page, "Tell me more")  # the next passages, none quoted already
    assert more.locator(".qb-quote").count() >= 1
    assert not set(more.locator(".qb-quote").all_inner_texts()) & shown


def test_the_box_keeps_the_focus_so_a_follow_up_can_be_typed_at_once(page):
    box = page.get_by_role("textbox", name="Your question")
    assert box.get_attribute("maxlength") == "1000"
    for blank in ("", "   "):  # nothing is sent, as nothing was asked
        box.fill(blank)
        box.press("Enter")
    page.locator("#qb-ask [data-testid=submit-button]").click()
    page.wait_for_timeout(500)
    assert page.locator("#qb-chat .message").count() == 0

    ask(page, "What does Lavrov think about sanctions?")
    assert page.evaluate("document.activeElement.matches('#qb-ask textarea')")
    page.keyboard.type("Who first proposed them?")  # no click: the keys go to the box
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#qb-chat .qb-answer').length === 2")
    follow_up = page.locator("#qb-chat .qb-answer").last
    assert "Read as a follow-up" in follow_up.locator(".qb-reading").inner_text()
    assert follow_up.locator(".qb-card").count() >= 1


def test_a_misspelt_question_is_answered_and_says_what_was_searched(page):
    answer = ask(page, "What does Lavrov think about sanctons?")
    assert (
        answer.locator(".qb-reading").inner_text() == "Searched for “What does Lavrov think about sanctions?”"
    )
    assert answer.locator(".qb-lowconf").count() == 0
    assert "sanctions" in answer.locator(".qb-card").first.inner_text()


def test_the_quotes_box_keeps_to_1_to_10(page):
    number = page.locator("#qb-k input[type=number]")
    for typed, kept in (("0", "1"), ("25", "10")):
        number.fill(typed)
        number.press("Enter")
        sync_api.expect(number).to_have_value(kept)
    assert ask(page, "What does Lavrov think about sanctions?").locator(".qb-card").count() == 10


def test_a_citation_opens_the_passage_in_context(page):
    answer = ask(page, "What does Lavrov say about vaccination passports?")
    first = answer.locator(".qb-card").first
    quoted = " ".join(first.locator(".qb-quote").inner_text().split())
    link = first.locator("a.qb-src")
    link.focus()
    link.press("Enter")  # keyboard works as well as a click
    focus = page.locator("#qb-viewer mark#qb-focus")
    focus.wait_for()
    settle(page)
    assert " ".join(focus.inner_text().split()) == quoted
    viewer = page.locator("#qb-viewer")
    assert "vaccination passports" in viewer.locator(".qb-v-question").inner_text()
    assert viewer.locator(".qb-v-para").count() > 1
    page.wait_for_function(
        "() => { const r = document.getElementById('qb-focus').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }"
    )
    shot(page, "03-source-viewer")
    # The viewer has the focus, and Escape closes it and hands the focus back to the question box.
    page.wait_for_function("() => document.activeElement.matches('#qb-viewer .qb-viewer')")
    page.keyboard.press("Escape")
    page.locator("#qb-right.open").wait_for(state="detached")
    page.wait_for_function("() => document.activeElement.matches('#qb-ask textarea')")


SANCTIONS = "What does Lavrov think about sanctions?"


def test_a_link_asks_its_question_with_its_filters_and_the_chat_follows_on(visit):
    source = BUNDLED.name
    page = visit(f"?q={quote_plus(SANCTIONS)}&source={quote_plus(source)}&speaker=lavrov")
    page.wait_for_selector("#qb-chat .qb-card")
    settle(page)
    assert page.locator("#qb-chat .user-row").inner_text().strip() == SANCTIONS
    answer = page.locator("#qb-chat .qb-answer").last
    assert "Nothing good will ever come of sanctions" in collapse(answer.inner_text())
    assert answer.locator(".qb-scope").inner_text() == f"Only from {source}, Sergey Lavrov"
    # The filters show what the link chose ("lavrov" is Sergey Lavrov, as with --speaker).
    assert "Foreign Minister Sergey Lavrov" in page.locator("#qb-source-filter .token").inner_text()
    assert page.locator("#qb-speaker-filter .token").inner_text().strip() == "Sergey Lavrov"
    shot(page, "11-link-question")
    # The link's question is the chat's own: a follow-up is read against it.
    follow_up = ask(page, "Who first proposed them?")
    assert "Read as a follow-up" in follow_up.locator(".qb-reading").inner_text()
    assert follow_up.locator(".qb-card").count() >= 1


def test_a_link_to_a_source_that_is_not_stored_says_so(visit, server):
    _, bot = server
    page = visit(f"?q={quote_plus(SANCTIONS)}&source=nope.txt")
    error = page.locator("#qb-chat .qb-error")
    error.wait_for()
    settle(page)
    with pytest.raises(SourceNotFoundError) as refused:  # what `quotebot ask --source nope.txt` says
        bot.ask(SANCTIONS, sources=["nope.txt"])
    assert collapse(error.inner_text()) == collapse(str(refused.value))
    assert error.inner_text().startswith("No source named") and "nope.txt" in error.inner_text()
    assert page.locator("#qb-chat .qb-card").count() == 0
    assert page.locator("#qb-source-filter .token").count() == 0  # no filter on what is not there
    shot(page, "12-link-unknown-source")


def test_a_link_to_a_passage_opens_the_viewer_on_it(visit, server):
    _, bot = server
    passage = bot.ask("What does Lavrov say about vaccination passports?", k=1).quotes[0].passage
    page = visit(f"?passage={passage.id}")
    focus = page.locator("#qb-viewer mark#qb-focus")
    focus.wait_for()
    settle(page)
    assert collapse(focus.inner_text()) == collapse(passage.text)
    assert "vaccination passports" in page.locator("#qb-viewer .qb-v-question").inner_text()
    assert page.locator("#qb-right.open").count() == 1
    page.wait_for_function(
        "() => { const r = document.getElementById('qb-focus').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }"
    )
    assert page.locator("#qb-chat .message").count() == 0  # nothing was asked
    shot(page, "13-link-passage")
    missing = visit("?passage=" + "0" * 24)
    missing.locator("#qb-right.open").wait_for()
    assert "no longer in the store" in missing.locator("#qb-viewer").inner_text()


def test_a_card_s_link_copies_an_address_that_opens_its_passage(page, visit, server):
    url, _ = server
    first = ask(page, "What does Lavrov say about vaccination passports?").locator(".qb-card").first
    passage_id = first.locator("a.qb-src").get_attribute("href").removeprefix("#src=")
    quoted = collapse(first.locator(".qb-quote").inner_text())
    first.locator("a.qb-link").click()
    page.wait_for_function("window.__qbCopied !== undefined")
    copied = page.evaluate("window.__qbCopied")
    assert copied == f"{url}?passage={passage_id}"  # an id, never a file's name or path
    assert page.evaluate("navigator.clipboard.readText()") == copied
    shot(page, "14-link-copied")
    opened = visit(copied.removeprefix(url))
    focus = opened.locator("#qb-viewer mark#qb-focus")
    focus.wait_for()
    assert collapse(focus.inner_text()) == quoted


def test_marking_the_quote_that_answers_appends_a_line_to_the_store_s_eval_file(page, server):
    _, bot = server
    marked = bot.store.path / "marked.jsonl"
    before = marked.read_text(encoding="utf-8").splitlines() if marked.exists() else []
    first = ask(page, SANCTIONS).locator(".qb-card").first
    gold = collapse(first.locator("mark.qb-hl").first.inner_text())
    mark = first.locator("a.qb-mark")
    assert mark.inner_text() == "This one answers"
    mark.click()
    sync_api.expect(mark).to_have_text("Marked as the answer")  # its ✓ is the style's
    assert "qb-marked" in mark.get_attribute("class")
    assert mark.get_attribute("aria-disabled") == "true"
    mark.click(force=True)  # a second click records nothing more
    page.wait_for_timeout(500)
    lines = marked.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines[len(before) :]] == [
        {"kind": "answer", "question": SANCTIONS, "history": [], "gold": gold, "source": BUNDLED.name}
    ]
    shot(page, "16-quote-marked")

    # None of these: the question, with the one before it as its history.
    bees = "What do bees make honey from?"
    answer = ask(page, bees)
    none = answer.locator("a.qb-mark-none")
    assert none.count() == 1 and none.inner_text() == "None of these"
    none.click()
    sync_api.expect(none).to_have_text("Marked: none of these answers")
    lines = marked.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1]) == {"kind": "unanswerable", "question": bees, "history": [SANCTIONS]}
    assert len(lines) == len(before) + 2
    # Still marked, with the next answer shown (`mark` would now find the last answer's first).
    still = page.locator("#qb-chat .qb-answer").first.locator(".qb-card").first.locator("a.qb-mark")
    assert still.inner_text() == "Marked as the answer"
    shot(page, "17-none-marked")


def test_the_conversation_is_exported_as_a_file_to_download(page):
    today = date.today().isoformat()
    status = page.locator("#qb-export-status")

    def refused() -> None:
        """A click on Markdown says there is nothing to export, in a toast closed afterwards."""
        page.locator("#qb-export-md").click()
        toast = page.get_by_test_id("toast-body").filter(has_text=NOTHING_TO_EXPORT)
        toast.wait_for()
        toast.get_by_test_id("toast-close").click()
        toast.wait_for(state="detached")

    refused()
    answer = ask(page, SANCTIONS)
    quote = collapse(answer.locator(".qb-quote").first.inner_text())
    sync_api.expect(status).to_have_text("1 question · 3 quotes.")
    with page.expect_download() as download:
        page.locator("#qb-export-md").click()
    assert download.value.suggested_filename == f"quotebot-answers-{today}.md"
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith(f"## {SANCTIONS}\n")
    assert quote in collapse(markdown.replace("\n> ", "\n"))  # the first quote, word for word
    for suffix in ("csv", "docx"):
        with page.expect_download() as download:
            page.locator(f"#qb-export-{suffix}").click()
        assert download.value.suggested_filename == f"quotebot-answers-{today}.{suffix}"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # the last one: Word's zip
    shot(page, "15-export")
    # Undone, then cleared: the export follows what the chat shows.
    ask(page, "Who first proposed them?")
    sync_api.expect(status).to_have_text(re.compile(r"2 questions · \d+ quotes\."))
    page.locator("#qb-chat button[aria-label=Undo]").click()
    sync_api.expect(status).to_have_text("1 question · 3 quotes.")
    page.locator("#qb-chat button[aria-label=Clear]").click()
    sync_api.expect(status).to_have_text(re.compile("word for word with their citations"))
    refused()


def test_an_unanswerable_question_is_declined_with_the_closest_passages(page):
    answer = ask(page, "What is the best recipe for lasagna?")
    assert (
        "No passage in the transcripts answers this confidently" in answer.locator(".qb-lowconf").inner_text()
    )
    cards = answer.locator(".qb-card")
    assert cards.count() >= 1
    assert cards.count() == answer.locator(".qb-card.qb-weak").count()
    assert "weak" in cards.first.locator(".qb-rel").inner_text()
    for selector in (".qb-lowconf span", ".qb-weak .qb-quote", ".qb-weak mark.qb-hl", ".qb-asked"):
        assert contrast(answer.locator(selector).first) >= 4.5, selector
    follow_up = ask(page, "Who first proposed them?")
    assert contrast(follow_up.locator(".qb-reading")) >= 4.5
    shot(page, "04-low-confidence")


def test_an_uploaded_transcript_is_searchable_at_once(page, tmp_path):
    status = upload(page, FIXTURES / "beekeeper.md")
    assert "Added beekeeper.md" in status
    sources = page.locator("#qb-sources").inner_text()
    assert "Interview with a beekeeper from Vermont" in sources and "Ruth Calder" in sources
    answer = ask(page, "How do you keep bees alive through the winter?")
    first = answer.locator(".qb-card").first
    assert "We wrap every hive in black roofing felt" in first.locator(".qb-quote").inner_text()
    assert first.locator(".qb-cite-text").inner_text().startswith("Ruth Calder · Interview with a beekeeper")
    assert first.locator("a.qb-orig").get_attribute("href") == "https://example.org/interviews/beekeeper"
    shot(page, "05-upload-answered")

    assert "already in the store, unchanged" in upload(page, FIXTURES / "beekeeper.md")
    fake = tmp_path / "notes.txt"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert "PNG image, not a text transcript" in upload(page, fake)
    word = tmp_path / "notes.odt"
    word.write_bytes(b"PK\x03\x04" + bytes(100))
    assert "notes.odt: unsupported file type" in upload(page, word)  # in the status line, too
    assert page.locator("#qb-sources .qb-source").count() == 2

    assert "Added glassblower.pdf" in upload(page, FIXTURES / "glassblower.pdf")
    first = ask(page, "How hot does the glassblower's furnace get?").locator(".qb-card").first
    assert "about eleven hundred degrees Celsius" in first.locator(".qb-quote").inner_text()
    citation = first.locator(".qb-cite-text").inner_text()
    assert citation.startswith("Mara Lindqvist · Interview with a glassblower")

    # A transcript is removed from its card, once the page has asked to confirm.
    remove = page.locator(".qb-source", has_text="glassblower.pdf").locator("a.qb-s-remove")
    page.once("dialog", lambda dialog: dialog.dismiss())
    remove.click()
    page.wait_for_timeout(500)
    assert page.locator("#qb-sources .qb-source").count() == 3
    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    page.locator(".qb-source", has_text="glassblower.pdf").wait_for(state="detached")
    assert "Removed glassblower.pdf" in page.locator("#qb-upload-status").inner_text()
    assert page.locator("#qb-sources .qb-source").count() == 2
    assert "glassblower" not in " ".join(ask(page, "How hot does the furnace get?").inner_text().split())


def test_the_speaker_filter_narrows_the_next_answers(page, server):
    _, bot = server
    if "Ruth Calder" not in {s for i in bot.sources() for s in i.speakers}:
        bot.ingest([FIXTURES / "beekeeper.md"])
        page.reload()
        page.wait_for_selector(".qb-source")
    speakers = page.locator("#qb-speaker-filter input")
    speakers.click()
    page.get_by_role("option", name="Ruth Calder").click()
    page.locator("#qb-header").click()  # close the list
    answer = ask(page, "What does Lavrov think about sanctions?")
    cites = answer.locator(".qb-cite-text").all_inner_texts()
    assert cites and all(c.startswith("Ruth Calder") for c in cites)
    assert answer.locator(".qb-scope").inner_text() == "Only from Ruth Calder"  # seen with the panel closed


def test_a_transcript_with_markup_is_shown_as_inert_text(page):
    assert "Added xss.txt" in upload(page, FIXTURES / "xss.txt")
    answer = ask(page, "What should a page never run?")
    quote = answer.locator(".qb-card").first.locator(".qb-quote")
    text = quote.inner_text()
    assert "<script>window.__xss = 1</script>" in text
    assert '<img src=x onerror="window.__xss = 2">' in text
    assert "[a link](javascript:window.__xss=3)" in text
    assert quote.locator("script, img, a").count() == 0
    answer.locator(".qb-card").first.locator("a.qb-src").click()
    page.locator("#qb-viewer mark#qb-focus").wait_for()
    assert "<script>window.__xss = 1</script>" in page.locator("#qb-viewer").inner_text()
    assert page.locator("#qb-viewer script, #qb-viewer img").count() == 0
    page.locator("#qb-viewer mark#qb-focus").click()
    assert page.evaluate("window.__xss") is None
    shot(page, "06-xss-inert")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_a_phone_width_window_gets_the_chat_first(page):
    page.wait_for_selector("#qb-left:not(.open)")  # the sources panel starts closed
    settle(page)
    shot(page, "07-phone-first-load")
    answer = ask(page, "Can online concerts replace live ones?")
    assert "never replace face" in " ".join(answer.inner_text().split())
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.locator("#qb-chat .scroll-down-button-container").is_visible()  # it would cover a quote
    assert answer.locator(".qb-card").first.bounding_box()["width"] >= 0.9 * PHONE["width"]  # cards fill it
    shot(page, "08-phone-answer")
    answer.locator("a.qb-src").first.click()
    page.locator("#qb-viewer mark#qb-focus").wait_for()
    settle(page)
    shot(page, "09-phone-source-viewer")


def test_many_transcripts_leave_the_filters_and_upload_in_reach(page, server, tmp_path):
    _, bot = server
    text = (FIXTURES / "beekeeper.md").read_text()
    copies = []
    for n in range(12):
        copy = tmp_path / f"beekeeper-{n}.md"
        copy.write_text(text.replace("from Vermont", f"number {n}"))
        copies.append(copy)
    bot.ingest(copies)
    page.reload()
    page.wait_for_function("document.querySelectorAll('#qb-sources .qb-source').length >= 12")
    settle(page)
    button = page.locator("#qb-upload").bounding_box()
    assert button is not None and button["y"] + button["height"] <= LAPTOP["height"]
    shot(page, "10-many-sources")


@pytest.fixture(scope="module")
def recorded_server(tmp_path_factory, embedder) -> Iterator[tuple[str, Path]]:
    """The app over a store holding a subtitle file with its recording beside it (a WAV file of a
    few seconds' tone, made here with Python's wave module), and one whose recording a browser
    does not play, ingested before the chat starts."""
    from test_media import VTT, write_wav

    folder = tmp_path_factory.mktemp("recorded")
    (folder / "shed.vtt").write_text(VTT, encoding="utf-8")
    write_wav(folder / "shed.wav", 6.0)
    (folder / "yard.vtt").write_text(
        VTT.replace("keep in the shed by the river", "grow in the yard").replace(
            "keep three wooden rowing boats and a box of brass oarlocks in the shed",
            "grow runner beans and rhubarb along the south wall of the yard",
        ),
        encoding="utf-8",
    )
    (folder / "yard.mkv").write_bytes(b"\x1aE\xdf\xa3")
    bot = Bot(Settings(store=tmp_path_factory.mktemp("recorded-store") / "store"), embedder=embedder)
    assert sorted(bot.ingest([folder]).added) == ["shed.vtt", "yard.vtt"]
    with serving(bot) as (url, _):
        yield url, folder


def test_a_quote_s_play_button_plays_the_recording_from_its_time(recorded_server, browser):
    url, folder = recorded_server
    outside: list[str] = []
    context, page = _open(browser, url, LAPTOP, outside)
    try:
        card = ask(page, "What is kept in the shed by the river?").locator(".qb-card").first
        assert "rowing boats" in card.locator(".qb-quote").inner_text()
        play = card.locator("a.qb-play")
        assert play.inner_text() == "▶ at 00:00:02"
        play.click()
        player = page.locator("#qb-viewer audio.qb-player")
        player.wait_for()
        settle(page)
        # Cued to the quote's time once the recording's length is known (and playing, where the
        # browser lets it: it may not, and then the controls are there).
        page.wait_for_function(
            "() => { const p = document.querySelector('#qb-viewer .qb-player');"
            " return p && p.readyState >= 1 && p.dataset.cued && Math.abs(p.currentTime - 2) < 0.5; }"
        )
        shot(page, "21-recording-viewer")
        source = player.evaluate("p => p.currentSrc")
        assert source.startswith(url + "gradio_api/file=")
        served = page.request.get(source)
        assert served.status == 200 and served.headers["content-type"].startswith("audio/")
        assert served.body()[:4] == b"RIFF"
        # The recording only: the transcript beside it, or any other file, is not served.
        for path in (folder / "shed.vtt", ROOT / "pyproject.toml"):
            assert page.request.get(url + "gradio_api/file=" + str(path)).status == 403
        shown = page.locator("body").inner_text()
        assert str(folder) not in shown and "shed.wav" in shown  # its name, never its path
        page.keyboard.press("Escape")  # the viewer closes, and the recording stops
        page.locator("#qb-right.open").wait_for(state="detached")
        assert player.evaluate("p => p.paused")
        # A recording a browser does not play: no ▶, and the viewer says why rather than show a player.
        card = ask(page, "What grows in the yard?").locator(".qb-card").first
        assert "runner beans" in card.locator(".qb-quote").inner_text()
        assert card.locator("a.qb-play").count() == 0
        card.locator("a.qb-src").click()
        note = page.locator("#qb-viewer .qb-v-media-off")
        note.wait_for()
        settle(page)
        assert note.inner_text().startswith("The recording yard.mkv is not played here")
        assert page.locator("#qb-viewer .qb-player").count() == 0
        shot(page, "22-recording-not-played")
        assert page.request.get(url + "gradio_api/file=" + str(folder / "yard.mkv")).status == 403
    finally:
        context.close()
    assert outside == [], f"the page tried to reach {outside}"
