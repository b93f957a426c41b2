"""Which answer paragraphs of real transcript pages the ingest stores, and under whose name.

    PYTHONPATH=. .venv/bin/python benchmarks/attribution.py PATH [PATH ...] [--per-file] [--verbose]
        [--limit N]

Each PATH is a folder (read recursively), one file, or a quoted glob pattern ('samples/0[45]_*.html');
each gets a total row. Supported pages: kremlin.ru transcripts (HTML with ``[itemprop=articleBody]``),
China MFA press conferences (HTML with ``div.content``) and White House briefings (Markdown with YAML
front matter); other files in a folder are passed over.

For every page the script reads the answer paragraphs from the markup itself (the truth, below;
nothing of ``ingest`` is used for it), runs the ingest (``passages_from(read_document(path), fits)``)
and counts, per answer paragraph:

- stored: its text lies inside one passage, or inside consecutive passages that follow each other
  in the document with only white space between (a long paragraph cut into pieces); dropped: not;
- duplicated: stored, and a passage holds its text again where the page has no paragraph (a copy
  in the page's chrome), or two passages overlap on it;
- wrong speaker: stored under another name (names compared lower-cased, without punctuation);
- wrong question: stored with another question than the expected one (white space collapsed,
  None and "" alike);
- right speaker+question: stored with both right.

And per passage: "questions as answers" (it holds text of a question turn and nothing that is not
on the page's speech) and "chrome" (it holds text that is no paragraph of the page's speech: menus,
captions, footers, tooltips, notes). Texts are compared with white space collapsed, by position:
the page's paragraphs are found in order in the document text the ingest read, and a passage's
offsets say which of them it holds. An exception from the ingest counts the file's answer
paragraphs as dropped, with the error printed.

The ingest is given ``fits`` below (always True) instead of ``Embedder().fits`` (at most 256 word
pieces), so that no model is loaded: passages are already cut to 160 cl100k tokens, and the check
then changes none (on the sample pages and 150 briefings, every one of 16,132 passages fits).

Truth, as implemented here:

- kremlin.ru: paragraphs are the non-empty ``<p>`` of ``[itemprop=articleBody]`` once ``.hidden``
  (tooltips), ``figure`` and ``.read__bottommeta`` are removed, white space collapsed (``<br>`` is
  a space). A label is the paragraph's leading run of ``<b>``/``<strong>`` (white space between
  allowed) when its text holds a colon or is followed by one, a parenthesised aside between
  allowed ("Vladimir Putin (Noise in the audience):"): the name is the text before the colon or
  aside. A name whose words end with all the words of another label's on the page is that one
  ("President of Russia Vladimir Putin" is "Vladimir Putin"; case and punctuation aside).
- China MFA: the non-empty ``<p>`` of ``div.content``; a label is plain text at the start: up to
  five capitalised words and a colon. ``A`` is the spokesperson the title names ("Foreign Ministry
  Spokesperson NAME's Regular Press Conference"), so is NAME; every other label (``Q``,
  ``Follow-up``, outlets such as ``CCTV``) asks.
- White House: the body after the front matter, paragraphs separated by blank lines, and a line
  opening with a label after a hard line break (two spaces) or a finished sentence starts one too
  (the source sometimes leaves out the blank line). A label is a name in capitals and a colon
  (``MS. PSAKI:``, ``Mr. KIRBY:``) or a bare ``Q`` before a space or dash. Only ``Q`` and
  ``MODERATOR`` turns ask (no named speaker's: the rule below would take an official's remarks
  with a "?" in them for a question to the next official). ``THE PRESIDENT`` is "President
  <Surname>" when the title names "President <Surname>" (not "Vice President"), else "The
  President". Time lines ("7:53 P.M. CEST", "END") and ``###`` are neither speech nor chrome;
  markup lines and "To view the … slides" notes are chrome.
- Everywhere: a paragraph with no letters is neither speech nor chrome. A turn is a labelled
  paragraph and the unlabelled ones after it; text before the first label is speech of no one
  (speaker None) with no question, but for lines that are not sentences (a heading, a place, a
  date), which are neither speech nor chrome. ``Question``, ``Remark``, ``Q`` (and the askers above) ask;
  ``Reply``, ``Response``, ``Answer`` are speech of no one. The principal is the named speaker
  with the most words; on kremlin.ru pages a turn of another named speaker that holds a "?" and
  is followed directly by a turn of a different named speaker asks too. Every other turn is
  speech: each of its paragraphs (label removed) is an answer paragraph of its speaker, whose
  expected question is the most recent asking turn before it by someone else (label removed,
  paragraphs joined), or None.
"""

from __future__ import annotations

import argparse
import bisect
import glob
import itertools
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

ANSWER, QUESTION, IGNORED, NOTE = "answer", "question", "ignored", "note"
SUFFIXES = (".html", ".htm", ".md", ".markdown")

ASKERS = {"question", "remark", "q"}
NO_ONE = {"reply", "response", "answer"}
WH_ASKERS = {"q", "moderator"}

_LETTER = re.compile(r"[^\W\d_]")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_SENTENCE_END = re.compile(r"[.?!…][\"'”’)\]*]*$")
_ASIDE_AND_COLON = re.compile(r"\s*(?:\([^()]*\)\s*)?:")
_WH_CAPITALS = re.compile(r"((?:(?:Mr|Ms|Mrs|Dr)\.\s*)?[^\W\d_][^:]{0,60}?)\s*:(?:\s+|$)")
_WH_Q = re.compile(r"Q(?:\s+|(?=[—–-]))")
_WH_TIME_OR_END = re.compile(
    r"(?:END\b\.?\s*)?\(?\d{1,2}:\d\d\s*[AP]\.?\s*M\.?(?:\s+[A-Z]{2,5})?\)?|END\.?", re.IGNORECASE
)
_WH_LEADING_TIME = re.compile(r"\d{1,2}:\d\d\s*[AP]\.?\s*M\.?(?:\s+[A-Z]{2,5})?\s+(?=\S)")
_WH_NOTE = re.compile(r"(?:To view the .{0,60}slides|<)", re.IGNORECASE)
_MFA_LABEL = re.compile(r"([^\W\d_][\w.'’&\-]*(?: [\w.'’&\-]+){0,4}):\s*")
_MFA_SPOKESPERSON = re.compile(r"Spokesperson (.+?)['’]s Regular Press Conference")
_PRESIDENT = re.compile(r"(?<!Vice )President\s+([A-Z][\w\-]+)")
_PARTICLES = {"of", "the", "and", "de", "la", "von", "van", "al", "bin"}


def norm(text: str) -> str:
    """``text`` with its runs of white space as one space, stripped."""
    return " ".join(text.split())


def name_key(name: str | None) -> str:
    """A name as names are compared: lower case, no punctuation ("MS. PSAKI" is "Ms. Psaki")."""
    return " ".join(re.sub(r"[^\w\s]|_", "", name or "").lower().split())


def _has_letters(text: str) -> bool:
    return _LETTER.search(text) is not None


@dataclass(frozen=True)
class Block:
    """One paragraph as the page writes it, before turns are known."""

    text: str  # the whole paragraph, normalised, label included
    body: str  # without the label (a tail of ``text``)
    label: str | None = None  # the speaker label's name as written ("Vladimir Putin", "Q", "MS. PSAKI")
    kind: str = ""  # "" (speech, to be attributed), IGNORED or NOTE


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the truth."""

    kind: str  # ANSWER, QUESTION, IGNORED (neither speech nor chrome) or NOTE (chrome)
    text: str  # the whole paragraph, normalised, label included
    body: str  # without the label
    speaker: str | None = None  # ANSWER: who says it (None: no one named); QUESTION: who asks
    question: str | None = None  # ANSWER: the question it replies to, normalised; None if none


# --- reading the truth ----------------------------------------------------------------------------


def page_format(name: str, text: str) -> str | None:
    """ "kremlin", "mfa" or "whitehouse": which reader knows the page; None for any other file."""
    suffix = Path(name).suffix.lower()
    if suffix in (".html", ".htm"):
        if re.search(r"itemprop\s*=\s*[\"']?articleBody", text):
            return "kremlin"
        if re.search(r"<div[^>]*class\s*=\s*[\"']?content[\"'\s>]", text):
            return "mfa"
    if suffix in (".md", ".markdown") and _FRONT_MATTER.match(text):
        return "whitehouse"
    return None


def read_truth(path: Path) -> list[Paragraph]:
    """The page's paragraphs as its markup says: answers with speaker and question, questions,
    and the rest."""
    path = Path(path)
    return truth_from_text(path.name, path.read_text(encoding="utf-8", errors="replace"))


def truth_from_text(name: str, text: str) -> list[Paragraph]:
    fmt = page_format(name, text)
    if fmt == "kremlin":
        soup = BeautifulSoup(text, "html.parser")
        blocks = kremlin_blocks(soup)
        return attribute(blocks, lambda label: name_key(label) in ASKERS, suffix_names(blocks))
    if fmt == "mfa":
        soup = BeautifulSoup(text, "html.parser")
        title = norm(soup.title.get_text()) if soup.title else ""
        found = _MFA_SPOKESPERSON.search(title)
        spokesperson = found.group(1) if found else "Spokesperson"
        answers = {"a", name_key(spokesperson)}
        return attribute(
            mfa_blocks(soup),
            lambda label: name_key(label) not in answers,
            lambda label: spokesperson if name_key(label) in answers else label,
        )
    if fmt == "whitehouse":
        title, blocks = whitehouse_blocks(text)
        found = _PRESIDENT.search(title)
        president = f"President {found.group(1)}" if found else "The President"
        return attribute(
            blocks,
            lambda label: name_key(label) in WH_ASKERS,
            lambda label: president if name_key(label) == "the president" else label,
            named_askers=False,
        )
    raise ValueError(f"{name}: not a page this script reads (kremlin.ru, China MFA or White House)")


def _html_text(tag: Tag) -> str:
    return norm(tag.get_text())


def kremlin_blocks(soup: BeautifulSoup) -> list[Block]:
    """The paragraphs of a kremlin.ru transcript, labels in bold."""
    article = soup.select_one("[itemprop=articleBody]")
    if article is None:
        return []
    for tag in article.select(".hidden, figure, .read__bottommeta"):
        tag.decompose()
    for line_break in article.find_all("br"):
        line_break.replace_with("\n")
    blocks = []
    for p in article.find_all("p"):
        text = _html_text(p)
        if not text:
            continue
        if not _has_letters(text):
            blocks.append(Block(text, text, kind=IGNORED))
            continue
        label, speech = _bold_label(p, text)
        blocks.append(Block(text, text[speech:].strip(), label))
    return blocks


def _bold_label(p: Tag, text: str) -> tuple[str | None, int]:
    """The name of the label ``p`` opens with and where its speech starts: its leading run of bold,
    when that holds a colon or a colon follows it, an aside between allowed ("<b>Vladimir
    Putin</b> <i>(Noise in the audience)</i><b>:</b>"); (None, 0) if there is none."""
    run = []
    for child in p.children:
        if isinstance(child, Tag) and child.name in ("b", "strong"):
            run.append(child.get_text())
        elif isinstance(child, Comment) or (isinstance(child, NavigableString) and not child.strip()):
            run.append(" ")
        else:
            break
    bold = norm("".join(run))
    if not bold or not text.startswith(bold):
        return None, 0
    if ":" in bold:
        colon = text.index(":")
        name = text[:colon].strip()
    else:
        after = _ASIDE_AND_COLON.match(text, len(bold))
        if not after:
            return None, 0
        colon, name = after.end() - 1, bold
    return (name, colon + 1) if _has_letters(name) else (None, 0)


def suffix_names(blocks: Sequence[Block]) -> Callable[[str], str]:
    """The speaker each label names: a label whose words end with all the words of another label
    on the page is that speaker ("Gazprom CEO Alexei Miller" is "Alexei Miller"); spelt as the
    page spells it most often."""
    labels = [b.label for b in blocks if b.label and name_key(b.label) not in ASKERS | NO_ONE]
    keys = {name_key(label) for label in labels}
    spellings: dict[str, Counter[str]] = {}
    for label in labels:
        spellings.setdefault(name_key(label), Counter())[label] += 1

    def resolved(key: str) -> str:
        words = key.split()
        for n in range(1, len(words)):
            shorter = " ".join(words[n:])
            if shorter in keys:
                return resolved(shorter)
        return key

    def resolve(label: str) -> str:
        key = resolved(name_key(label))
        return spellings[key].most_common(1)[0][0] if key in spellings else label

    return resolve


def mfa_blocks(soup: BeautifulSoup) -> list[Block]:
    """The paragraphs of a China MFA press conference: labels are plain text ("Q:", "CCTV:")."""
    content = soup.select_one("div.content")
    if content is None:
        return []
    for line_break in content.find_all("br"):
        line_break.replace_with("\n")
    blocks = []
    for p in content.find_all("p"):
        text = _html_text(p)
        if not text:
            continue
        if not _has_letters(text):
            blocks.append(Block(text, text, kind=IGNORED))
            continue
        found = _MFA_LABEL.match(text)
        words = found.group(1).split() if found else []
        if found and all(w[0].isupper() or w in _PARTICLES for w in words):
            blocks.append(Block(text, text[found.end() :], found.group(1)))
        else:
            blocks.append(Block(text, text))
    return blocks


def whitehouse_blocks(markdown: str) -> tuple[str, list[Block]]:
    """The title and the paragraphs of a White House briefing in Markdown."""
    front = _FRONT_MATTER.match(markdown)
    title = ""
    if front:
        try:
            meta = yaml.safe_load(front.group(1))
        except yaml.YAMLError:
            meta = None
        if isinstance(meta, dict) and meta.get("title"):
            title = norm(str(meta["title"]))
    blocks = []
    for paragraph in _markdown_paragraphs(markdown[front.end() if front else 0 :]):
        text = norm(paragraph)
        found = _whitehouse_label(text)
        if found:
            blocks.append(Block(text, text[found[1] :], found[0]))
        elif not _has_letters(text) or _WH_TIME_OR_END.fullmatch(text):
            blocks.append(Block(text, text, kind=IGNORED))
        elif _WH_NOTE.match(text):
            blocks.append(Block(text, text, kind=NOTE))
        else:
            blocks.append(Block(text, text))
    return title, blocks


def _markdown_paragraphs(body: str) -> list[str]:
    """Paragraphs separated by blank lines; a line opening with a label after a hard line break or
    a finished sentence opens one too."""
    paragraphs: list[list[str]] = [[]]
    previous = ""
    labelled = False
    for line in body.split("\n"):
        if not line.strip():
            paragraphs.append([])
            previous = ""
            continue
        label = _whitehouse_label(norm(line))
        ended = _SENTENCE_END.search(previous.rstrip()) or _WH_TIME_OR_END.fullmatch(norm(previous))
        if paragraphs[-1] and label and (previous.endswith("  ") or ended or not labelled):
            paragraphs.append([])
        labelled = labelled or label is not None
        paragraphs[-1].append(line)
        previous = line
    return ["\n".join(lines) for lines in paragraphs if lines]


def _whitehouse_label(text: str) -> tuple[str, int] | None:
    """(name, where the speech starts) for a paragraph opening with a label."""
    at = _WH_LEADING_TIME.match(text)  # "5:19 P.M. EDT MODERATOR: Thanks, everyone."
    start = at.end() if at else 0
    q = _WH_Q.match(text, start)
    if q:
        return "Q", q.end()
    found = _WH_CAPITALS.match(text, start)
    if not found:
        return None
    name = found.group(1)
    core = re.sub(r"^(?:Mr|Ms|Mrs|Dr)\.\s*", "", name)
    if core != core.upper() or re.search(r"\d", core) or len(core.split()) > 8 or not _has_letters(core):
        return None
    return name, found.end()


def _is_sentence(text: str) -> bool:
    """Whether a line before the first label is said: a sentence, not a heading, a place ("Aboard
    Air Force One En Route Washington, D.C."), a date or a stage direction."""
    said = text[-1] in "?!" or any(w[0].islower() for w in text.split())
    return (text[0].isalnum() or text[0] in "\"“‘'") and _SENTENCE_END.search(text) is not None and said


def attribute(
    blocks: Sequence[Block],
    asks: Callable[[str], bool],
    resolve: Callable[[str], str],
    named_askers: bool = True,
) -> list[Paragraph]:
    """The blocks as answers (with speaker and expected question), questions and the rest; with
    ``named_askers``, a named speaker's turn may ask too (see the module's docstring)."""
    turns: list[list[int]] = []  # indices of the speech blocks of each labelled turn
    opening: list[int] = []
    for i, block in enumerate(blocks):
        if block.kind:
            continue
        if block.label is not None:
            turns.append([i])
        elif turns:
            turns[-1].append(i)
        else:
            opening.append(i)
    labels = [blocks[t[0]].label or "" for t in turns]
    anonymous = [asks(label) for label in labels]
    speakers = [
        None if a or name_key(label) in NO_ONE else resolve(label)
        for label, a in zip(labels, anonymous, strict=True)
    ]
    words: Counter[str] = Counter()
    for turn, speaker in zip(turns, speakers, strict=True):
        if speaker:
            words[name_key(speaker)] += sum(len(blocks[i].body.split()) for i in turn)
    principal = words.most_common(1)[0][0] if words else None
    asking = list(anonymous)
    for k, (turn, speaker) in enumerate(zip(turns, speakers, strict=True)):
        following = speakers[k + 1] if k + 1 < len(turns) else None
        asked = any("?" in blocks[i].body for i in turn)
        if named_askers and speaker and name_key(speaker) != principal and asked and following:
            asking[k] = name_key(following) != name_key(speaker)

    out: dict[int, Paragraph] = {}
    for i in opening:  # speech of no one, but for headings ("Beginning of the meeting with …")
        kind = ANSWER if _is_sentence(blocks[i].text) else IGNORED
        out[i] = Paragraph(kind, blocks[i].text, blocks[i].body)
    questions: list[tuple[str, str]] = []  # (who asks, the question), in order
    for k, turn in enumerate(turns):
        bodies = [blocks[i].body for i in turn]
        if asking[k]:
            who = name_key(speakers[k] or labels[k])
            questions.append((who, norm("\n\n".join(b for b in bodies if b))))
            for i in turn:
                kind = QUESTION if blocks[i].body else IGNORED
                out[i] = Paragraph(kind, blocks[i].text, blocks[i].body, speakers[k] or labels[k])
            continue
        speaker = speakers[k]
        expected = next((q for who, q in reversed(questions) if who != name_key(speaker)), None)
        for i in turn:
            kind = ANSWER if blocks[i].body else IGNORED
            out[i] = Paragraph(kind, blocks[i].text, blocks[i].body, speaker, expected)
    return [out.get(i) or Paragraph(b.kind, b.text, b.body) for i, b in enumerate(blocks)]


# --- comparing the ingest's passages with the truth ------------------------------------------------

OTHER, SPOKEN, ASKED, NEUTRAL = 0, 1, 2, 3  # what each character of the document text is
_ANCHOR = 40  # paragraphs this long are found first, in order; shorter ones between them


class PassageLike(Protocol):
    """What the comparison reads of an ``ingest.Passage``."""

    @property
    def text(self) -> str: ...
    @property
    def speaker(self) -> str | None: ...
    @property
    def question(self) -> str | None: ...
    @property
    def char_start(self) -> int: ...
    @property
    def char_end(self) -> int: ...


Span = tuple[int, int, PassageLike]  # a passage's start and end in the normalised document text


@dataclass
class Result:
    """The counts for one file (or, added up, for many)."""

    name: str
    files: int = 1
    paragraphs: int = 0
    stored: int = 0
    duplicated: int = 0
    wrong_speaker: int = 0
    wrong_question: int = 0
    right: int = 0
    questions_as_answers: int = 0
    chrome: int = 0
    error: str | None = None
    examples: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.paragraphs - self.stored

    def add(self, other: Result) -> None:
        for name in (
            "files", "paragraphs", "stored", "duplicated", "wrong_speaker", "wrong_question", "right",
            "questions_as_answers", "chrome",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Normalised:
    """A text with its runs of white space as one space, and the way from its offsets to these."""

    def __init__(self, text: str) -> None:
        tokens = list(re.finditer(r"\S+", text))
        self.starts = [t.start() for t in tokens]
        self.ends = [t.end() for t in tokens]
        self.at: list[int] = []  # where each token starts in the normalised text
        position = 0
        for t in tokens:
            self.at.append(position)
            position += len(t.group()) + 1
        self.text = " ".join(t.group() for t in tokens)

    def start(self, i: int) -> int:
        k = bisect.bisect_right(self.starts, i) - 1
        if k >= 0 and i < self.ends[k]:
            return self.at[k] + i - self.starts[k]
        return self.at[k + 1] if k + 1 < len(self.at) else len(self.text)

    def end(self, i: int) -> int:
        k = bisect.bisect_right(self.starts, i - 1) - 1
        return self.at[k] + min(i, self.ends[k]) - self.starts[k] if k >= 0 else 0


def _bounded(hay: str, needle: str, i: int) -> bool:
    """Whether ``needle`` at ``i`` in ``hay`` is not part of a longer word."""
    before = i == 0 or not (hay[i - 1].isalnum() and needle[0].isalnum())
    j = i + len(needle)
    return before and (j == len(hay) or not (hay[j].isalnum() and needle[-1].isalnum()))


def _find(hay: str, needle: str, lo: int, hi: int) -> int:
    i = hay.find(needle, lo, hi)
    while i != -1 and not _bounded(hay, needle, i):
        i = hay.find(needle, i + 1, hi)
    return i


def _stored_elsewhere(
    body: str, start: int, text: str, what: bytearray, stored: Sequence[Span], ends: list[int]
) -> bool:
    """Whether a passage holds ``body`` again somewhere that is no paragraph of the page (a copy in
    the page's chrome: a lead, a hidden text version)."""
    i = _find(text, body, 0, len(text))
    while i != -1:
        j = i + len(body)
        if i != start and what[i:j].count(OTHER):
            k = bisect.bisect_right(ends, i)
            if k < len(stored) and stored[k][0] <= i:
                return True
        i = _find(text, body, i + 1, len(text))
    return False


def locate(paragraphs: Sequence[Paragraph], text: str) -> list[tuple[int, int, int] | None]:
    """Where each paragraph is in ``text`` (normalised): (start, where its body starts, end), or
    None. Long paragraphs are found first, in order, then short ones between their neighbours, so
    that a "Yes." is looked for where it is said."""
    spans: list[tuple[int, int, int] | None] = [None] * len(paragraphs)

    def look(k: int, lo: int, hi: int) -> None:
        p = paragraphs[k]
        for needle in dict.fromkeys((p.text, p.body)):
            if needle:
                i = _find(text, needle, lo, hi)
                if i != -1:
                    end = i + len(needle)
                    spans[k] = (i, end - len(p.body), end)
                    return

    cursor = 0
    for k, p in enumerate(paragraphs):
        if len(p.body) >= _ANCHOR:
            look(k, cursor, len(text))
            cursor = spans[k][2] if spans[k] else cursor  # type: ignore[index]
    following = len(text)
    ahead = [following] * len(paragraphs)
    for k in range(len(paragraphs) - 1, -1, -1):
        ahead[k] = following
        if spans[k]:
            following = spans[k][0]  # type: ignore[index]
    cursor = 0
    for k, p in enumerate(paragraphs):
        if spans[k] is None and len(p.body) < _ANCHOR:
            look(k, cursor, ahead[k])
        if spans[k]:
            cursor = spans[k][2]  # type: ignore[index]
    return spans


def compare(truth: Sequence[Paragraph], text: str, passages: Sequence[PassageLike], name: str = "") -> Result:
    """Count what became of the truth's answer paragraphs in ``passages`` (offsets into ``text``)."""
    result = Result(name)
    doc = _Normalised(text)
    spans = locate(truth, doc.text)
    what = bytearray(NEUTRAL if c == " " else OTHER for c in doc.text)
    for p, span in zip(truth, spans, strict=True):
        if span and p.kind in (ANSWER, QUESTION, IGNORED):
            start, body, end = span
            what[start:end] = bytes([NEUTRAL]) * (end - start)
            if p.kind != IGNORED:
                what[body:end] = bytes([SPOKEN if p.kind == ANSWER else ASKED]) * (end - body)
    stored = sorted(
        ((doc.start(x.char_start), doc.end(x.char_end), x) for x in passages), key=lambda s: s[:2]
    )
    ends = [e for _, e, _ in stored]

    for p, span in zip(truth, spans, strict=True):
        if p.kind != ANSWER:
            continue
        result.paragraphs += 1
        who = p.speaker or "(no one)"
        if span is None:
            result.examples.append(f"dropped (not in the document text): {who}: {p.body[:90]}")
            continue
        _, start, end = span
        k = bisect.bisect_right(ends, start)
        covering = []
        while k < len(stored) and stored[k][0] < end:
            covering.append(stored[k])
            k += 1
        if not _covers(covering, start, end, doc.text):
            result.examples.append(f"dropped (in no passage whole): {who}: {p.body[:90]}")
            continue
        result.stored += 1
        overlapping = any(b[0] < a[1] for a, b in itertools.pairwise(covering))
        if overlapping or _stored_elsewhere(p.body, start, doc.text, what, stored, ends):
            result.duplicated += 1
            result.examples.append(f"duplicated: {who}: {p.body[:90]}")
        got = [x for _, _, x in covering]
        speaker_ok = all(name_key(x.speaker) == name_key(p.speaker) for x in got)
        question_ok = all(norm(x.question or "") == (p.question or "") for x in got)
        if not speaker_ok:
            result.wrong_speaker += 1
            result.examples.append(
                f"wrong speaker: {p.body[:60]!r}: expected {p.speaker!r}, stored {got[0].speaker!r}"
            )
        if not question_ok:
            result.wrong_question += 1
            stored_q = next(x.question for x in got if norm(x.question or "") != (p.question or ""))
            result.examples.append(
                f"wrong question: {who}: {p.body[:50]!r}: expected {_short(p.question)}, "
                f"stored {_short(stored_q)}"
            )
        result.right += speaker_ok and question_ok

    for start, end, x in stored:
        kinds = what[start:end]
        if kinds.count(OTHER):
            result.chrome += 1
            result.examples.append(f"chrome: {_chrome(doc.text[start:end], kinds)[:100]!r}")
        elif kinds.count(ASKED):
            result.questions_as_answers += 1
            result.examples.append(f"question stored as answer: {x.speaker!r}: {norm(x.text)[:90]!r}")
    return result


def _covers(covering: Sequence[Span], start: int, end: int, text: str) -> bool:
    """Whether consecutive passages, with only white space between, hold all of [start, end)."""
    if not covering or covering[0][0] > start or covering[-1][1] < end:
        return False
    return all(not text[a[1] : b[0]].strip() for a, b in itertools.pairwise(covering))


def _chrome(text: str, kinds: bytearray) -> str:
    """The text of a passage that is no speech of the page, "…" for the rest."""
    kept = "".join(c if w == OTHER or c == " " else "\x01" for c, w in zip(text, kinds, strict=True))
    return norm(re.sub(r"\x01[\x01 ]*", " … ", kept))


def _short(question: str | None) -> str:
    return "None" if not question else repr(question[:50] + ("…" if len(question) > 50 else ""))


def fits(text: str) -> bool:
    """The cheap token-fit check: passages cut to 160 cl100k tokens fit the model (see above)."""
    return True


def measure(path: Path) -> Result:
    """The truth of one page against what the ingest makes of it."""
    from ingest import passages_from, read_document  # here: the truth reads, and is tested, without it

    truth = read_truth(path)
    try:
        parsed = passages_from(read_document(path), fits)
    except Exception as exc:  # the report goes on; the file's answers are all dropped
        result = Result(str(path), paragraphs=sum(p.kind == ANSWER for p in truth))
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    return compare(truth, parsed.document.text, parsed.passages, str(path))


# --- the report ------------------------------------------------------------------------------------

COLUMNS = (
    ("files", 6), ("paragraphs", 11), ("stored %", 9), ("dropped", 8), ("duplicated", 11),
    ("wrong speaker", 14), ("wrong question", 15), ("right spk+q %", 14), ("q as answers", 13),
    ("chrome", 7),
)  # fmt: skip


def files_of(argument: str, limit: int | None = None) -> list[Path]:
    """The pages a folder (recursively), file or glob pattern names, that this script reads."""
    path = Path(argument)
    if path.is_file():
        return [path]
    candidates = sorted(path.rglob("*")) if path.is_dir() else sorted(map(Path, glob.glob(argument)))
    found = []
    for f in candidates:
        readable = f.is_file() and f.suffix.lower() in SUFFIXES
        if readable and page_format(f.name, f.read_text(encoding="utf-8", errors="replace")):
            found.append(f)
            if limit and len(found) >= limit:
                break
    return found


def row(name: str, r: Result) -> str:
    def pct(n: int) -> str:
        return f"{100 * n / r.paragraphs:.1f}" if r.paragraphs else "-"

    cells = (
        r.files, r.paragraphs, pct(r.stored), r.dropped, r.duplicated, r.wrong_speaker,
        r.wrong_question, pct(r.right), r.questions_as_answers, r.chrome,
    )  # fmt: skip
    return f"{name[:44]:<44}" + "".join(f"{c!s:>{w}}" for c, (_, w) in zip(cells, COLUMNS, strict=True))


def header() -> str:
    return f"{'':<44}" + "".join(f"{title:>{w}}" for title, w in COLUMNS)


def report(arguments: Iterable[str], per_file: bool, verbose: bool, limit: int | None) -> list[Result]:
    """Print the table; return the total of each argument."""
    import ingest

    print(f"ingest: {Path(ingest.__file__).parent}")
    print(header())
    totals = []
    for argument in arguments:
        total = Result(argument, files=0)
        for path in files_of(argument, limit):
            try:
                result = measure(path)
            except Exception as exc:  # the truth could not be read: say so, count nothing
                print(f"  ERROR reading the truth of {path}: {type(exc).__name__}: {exc}")
                continue
            total.add(result)
            if result.error:
                print(f"  ERROR {path}: {result.error}")
            if per_file or verbose:
                print(row(f"  {path.name}", result))
            if verbose:
                for kind, examples in _by_kind(result.examples).items():
                    for example in examples[:3]:
                        print(f"      {example}")
                    if len(examples) > 3:
                        print(f"      … {len(examples) - 3} more {kind}")
        print(row(argument.rstrip("/").split("/")[-1] or argument, total))
        totals.append(total)
    return totals


def _by_kind(examples: list[str]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for example in examples:
        kinds.setdefault(example.split(":")[0].split(" (")[0], []).append(example)
    return kinds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="folders, files or quoted glob patterns; one row each")
    parser.add_argument("--per-file", action="store_true", help="a row for every file too")
    parser.add_argument("--verbose", action="store_true", help="each file's row and examples of its failures")
    parser.add_argument("--limit", type=int, default=None, help="at most N files of each path")
    args = parser.parse_args(argv)
    report(args.paths, args.per_file, args.verbose, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
