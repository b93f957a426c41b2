"""Reading a web page, or a Word document as HTML, by its markup: the transcript's paragraphs
without the page around them, the speaker labels it sets in bold, and what it says about itself."""

from __future__ import annotations

import itertools
import re

import trafilatura
from bs4 import BeautifulSoup, NavigableString, PageElement, Tag

from ingest.document import Document, MarkedLabel

_BLOCKS = (
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
    "main", "aside", "blockquote", "pre", "table", "ul", "ol", "dl", "dt", "dd", "figcaption",
)  # fmt: skip
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_NOT_TEXT = ("script", "style", "noscript", "template", "head", "svg", "button", "select", "form")
# Parts of a page that are never the transcript: its navigation, banner, footer and sidebars.
_AROUND = ("nav", "header", "footer", "aside")
_AROUND_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
# Text a reader does not see: tooltips and the like, hidden until hovered; screen-reader labels.
_MAIN = ("article", "main")  # the page says its text is here
_HIDDEN_CLASSES = {"hidden", "d-none", "sr-only", "visually-hidden", "screen-reader-text", "tooltip"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_MEDIA = ("img", "picture", "video", "audio", "iframe", "object", "embed", "figure")
_CAPTION_WORDS = 30  # a media block with more words than this holds more than its caption
_BOLD = ("b", "strong")
_NOTE = re.compile(r"\s*\([^()]*\)\s*")
_COLON_AFTER = re.compile(r"\s*(\([^()]{1,300}\))?\s*:")
_LABEL_WORDS = 16  # "Head of the Federal Service for the Oversight of … Anna Popova:"

# Marks put into the text while it is put together, then taken out with their places noted.
_HEADING = "\ue000"
_LABEL_OPEN, _LABEL_CLOSE = "\ue001", "\ue002"
_MARKS = re.compile("[\ue000-\ue002]")
_SPACES = re.compile(r"\s*")
_LETTERS = re.compile(r"[^\W_]+")
_TIMED_LINE = re.compile(r"\s*(\S.*?)[ \t\xa0]{2,}(\d{1,3}:\d\d(?::\d\d)?)\s*")


def read_html(source: str, soup: BeautifulSoup, page: bool = True) -> Document:
    """The document a page holds. ``page`` is false for a Word document, which is all content;
    a web page is first cut down to its transcript (see :func:`_main_content`)."""
    title, url, date = _about(soup)
    for tag in soup(_NOT_TEXT):
        tag.decompose()
    for string in soup.find_all(string=_MARKS):  # the page's own U+E000–E002 were taken for marks
        string.replace_with(type(string)(_MARKS.sub("", string)))
    if page:
        _drop_around(soup)
    _mark_labels(soup)
    _mark_headings(soup)
    html = str(soup)
    text = _text(_article_body(soup) if page else soup, page)
    if page:
        text = _main_content(text, html)
    body, marks = _unmark(text)
    labels = tuple(
        MarkedLabel(start, end, " ".join(body[start:end].rstrip().rstrip(":").split()))
        for kind, start, end in marks
        if kind == _LABEL_OPEN
    )
    headings = tuple(start for kind, start, _ in marks if kind == _HEADING)
    return Document(
        source=source, text=body, title=title, url=url, date=date, headings=headings, labels=labels
    )


def _about(soup: BeautifulSoup) -> tuple[str | None, str | None, str | None]:
    """Title, canonical URL and date as the page gives them. The page's own title (og:title)
    comes without the site's name that ``<title>`` adds ("… • President of Russia")."""

    def meta(*names: str) -> str | None:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            content = tag.get("content") if isinstance(tag, Tag) else None
            if isinstance(content, str) and content.strip():
                return " ".join(content.split())
        return None

    title = meta("og:title") or (soup.title.get_text(" ", strip=True) if soup.title else None) or None
    canonical = soup.find("link", rel="canonical")
    links = [canonical.get("href") if isinstance(canonical, Tag) else None, meta("og:url")]
    absolute = [u for u in links if isinstance(u, str) and re.match(r"https?://", u)]
    url = absolute[0] if absolute else next((u for u in links if isinstance(u, str) and u), None)
    time = soup.find("time", datetime=True)
    dated = time.get("datetime") if isinstance(time, Tag) else None
    date = meta("article:published_time", "datePublished", "date") or (
        dated if isinstance(dated, str) else None
    )
    return title, url, date


def _drop_around(soup: BeautifulSoup) -> None:
    """Take out what a reader of the page does not read as its text: navigation, banners,
    footers, sidebars, hidden text (tooltips), and media with their captions."""
    main = soup.find(_MAIN)
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        classes = set(tag.get("class") or ())
        around = tag.name in _AROUND or tag.get("role") in _AROUND_ROLES
        if around and main and main in tag.descendants:
            continue  # a page may call the column its text is in "complementary"
        if (
            around
            or tag.has_attr("hidden")
            or tag.get("aria-hidden") == "true"
            or _HIDDEN_STYLE.search(str(tag.get("style") or ""))
            or classes & _HIDDEN_CLASSES
        ):
            tag.decompose()
    for media in soup.find_all(_MEDIA):
        if not media.decomposed:
            _media_block(media).decompose()


def _article_body(soup: BeautifulSoup) -> Tag:
    """Where the page says its text is (schema.org's ``articleBody``, microformats'
    ``e-content``), without the summary and heading above it; else the whole page."""
    body = soup.find(itemprop="articleBody") or soup.find(class_="e-content")
    return body if isinstance(body, Tag) else soup


def _media_block(media: Tag) -> Tag:
    """The largest block around a picture or video that holds no paragraph and few words: the
    picture and its caption ("With Gazprom CEO Alexei Miller."), which are not speech."""
    block = media
    for parent in media.parents:
        if parent.name in ("body", "html", "[document]") or parent.find(("p", *_HEADINGS)):
            break
        if len(parent.get_text(" ").split()) > _CAPTION_WORDS:
            break
        block = parent
    return block


def _mark_labels(soup: BeautifulSoup) -> None:
    """Mark each speaker label the page sets in bold at the start of a paragraph: bold text
    ending in a colon, or followed by one ("<b>Vladimir Putin:</b>", "<b>Alexei Miller</b>:").
    The label's words are written plainly (a line break or tooltip inside the bold is gone) and
    put between marks, which :func:`_unmark` turns into the document's labels."""
    for block in soup.find_all(("p", "li", "dd", "div", "td", "blockquote")):
        run = _leading_bold(block)
        if not run:
            continue
        # As a browser shows it: "<b>Dmitry Pesko</b><b>v:</b>" is one word, "Alexei\nMiller" two.
        words = " ".join("".join(node.get_text() for node in run).split())
        after = run[-1].next_sibling
        colon_after = _COLON_AFTER.match(after) if isinstance(after, NavigableString) else None
        if not (words.endswith(":") or (colon_after and words)):
            continue
        name = words.rstrip(":").strip()
        bare = _NOTE.sub("", name)  # "Vladimir Putin (Answering a question …)"
        if not bare or len(bare.split()) > _LABEL_WORDS or not re.search(r"[^\W\d_]", bare):
            continue
        if colon_after and colon_after.group(1):  # "<b>Vladimir Putin</b> (Answering a question …):"
            name = f"{name} {' '.join(colon_after.group(1).split())}"
        if colon_after:
            assert isinstance(after, NavigableString)
            after.replace_with(after[colon_after.end() :])
        run[0].replace_with(f"{_LABEL_OPEN}{name}:{_LABEL_CLOSE} ")
        for node in run[1:]:
            node.extract()


def _leading_bold(block: Tag) -> list[PageElement]:
    """The bold elements a block opens with, the white space between them, and a note in brackets
    among them ("<b>Vladimir Putin</b> <i>(Answering a question …)</i><b>:</b>")."""
    run: list[PageElement] = []
    for child in block.children:
        space = isinstance(child, NavigableString) and not child.strip()
        note = isinstance(child, Tag) and child.name in ("i", "em") and _NOTE.fullmatch(child.get_text())
        if space or note or (isinstance(child, Tag) and child.name in _BOLD):
            run.append(child)
        else:
            break
    while run and not isinstance(run[-1], Tag):
        run.pop()
    while run and not isinstance(run[0], Tag):
        run.pop(0)
    return run


def _mark_headings(soup: BeautifulSoup) -> None:
    for heading in soup.find_all(_HEADINGS):
        if heading.get_text(strip=True):
            heading.insert(0, _HEADING)


def _text(soup: Tag, page: bool) -> str:
    """The text as a browser lays it out: a block element is a paragraph of its own; on a web
    page a ``<br>`` too, and the line breaks of the HTML source are spaces (but in ``<pre>``).
    In a Word document a line break (Shift+Enter) stays one, inside its paragraph."""
    for string in soup.find_all(string=True) if page else ():
        if "\n" in string and not string.find_parent("pre"):
            # Of its own type: a comment stays one (as a plain string its words were read as speech).
            string.replace_with(type(string)(string.replace("\r", " ").replace("\n", " ")))
    for line_break in soup.find_all("br") if not page else ():
        line_break.replace_with("\n")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    for cell in soup.find_all(("td", "th")):  # cells of a row are apart, never run together
        cell.insert_after(" ")
    lines = [_collapsed(line) for line in soup.get_text().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _collapsed(line: str) -> str:
    """The line with its runs of white space as one space, but for the two before a time that ends
    a line of its own: Otter's label ("Linda Park  0:07") is told from speech by them."""
    timed = _TIMED_LINE.fullmatch(line)
    return f"{' '.join(timed.group(1).split())}  {timed.group(2)}" if timed else " ".join(line.split())


def _main_content(text: str, html: str) -> str:
    """The paragraphs of ``text`` that trafilatura takes for the page's main content.

    trafilatura judges what is content (it leaves out menus, share bars, "Published in
    sections" blocks, related links and footers that the markup does not name as such), but
    writes its own text; the paragraphs kept are this page's own, so that labels, headings and
    offsets stay as read. A paragraph is kept when its words are whole lines of trafilatura's
    text. Where trafilatura finds nothing, the page is kept whole."""
    found = trafilatura.extract(
        html, favor_recall=True, include_tables=True, include_comments=False, deduplicate=False
    )
    if not found:
        return text
    lines = [_squeezed(line) for line in found.split("\n")]
    kept_text = "".join(lines)
    bounds = set(itertools.accumulate((len(line) for line in lines), initial=0))
    paragraphs = [p for p in re.split(r"\n\n+", text) if p.strip()]
    kept = [p for p in paragraphs if _whole_lines(_squeezed(p), kept_text, bounds)]
    return "\n\n".join(kept) + "\n" if kept else text


def _squeezed(text: str) -> str:
    """Only the letters and digits: trafilatura drops zero-width spaces and soft hyphens, and
    spaces differently."""
    return "".join(_LETTERS.findall(text)).casefold()


def _whole_lines(words: str, kept_text: str, bounds: set[int]) -> bool:
    if not words:
        return False
    start = kept_text.find(words)
    while start >= 0:
        if start in bounds and start + len(words) in bounds:
            return True
        start = kept_text.find(words, start + 1)
    return False


def _unmark(text: str) -> tuple[str, list[tuple[str, int, int]]]:
    """``text`` without its marks, and each mark's kind with where it starts and ends there:
    a label from its first letter to the end of its colon, a heading from its first letter."""
    body: list[str] = []
    marks: list[tuple[str, int, int]] = []
    length = 0
    opened = 0
    for piece in re.split(f"({_MARKS.pattern})", text):
        if piece == _LABEL_OPEN:
            opened = length
        elif piece == _LABEL_CLOSE:
            marks.append((_LABEL_OPEN, opened, length))
        elif piece == _HEADING:
            marks.append((_HEADING, length, length))
        else:
            body.append(piece)
            length += len(piece)
    joined = "".join(body)
    # A heading's mark may stand before white space: its place is where its words begin.
    marks = [
        (kind, _SPACES.match(joined, start).end(), end) if kind == _HEADING else (kind, start, end)  # type: ignore[union-attr]
        for kind, start, end in marks
    ]
    return joined, marks
