"""Marking the quote that answers, in the chat: the links, the line each click appends to the
store's marked.jsonl, and `quotebot eval marked` reading it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BUNDLED, collapse, passage

from bot import chat, marks
from bot.answer import Answer, Quote
from bot.evaluate import load_cases
from bot.ui_html import answer_html
from vectorstore import Store

SANCTIONS = "What does Lavrov think about sanctions?"
PAYLOAD = '<script>window.__xss = 1</script> "quoted" & [a](javascript:x())'


def _answer(question: str = "What do you grow?") -> Answer:
    first = passage(
        "a" * 24, "We grow barley.   We rotate it\nwith clover every third year.", source="roe.txt"
    )
    second = passage("b" * 24, "Not much. [tail]", source="doe.txt")
    return Answer(
        question,
        True,
        (
            Quote(first, 0.9, ("We rotate it\nwith clover every third year.", "We grow barley."), first.text),
            Quote(second, 0.4, (), second.text),
        ),
    )


# -- the lines and keys: pure ------------------------------------------------------------------


def test_a_marked_quote_s_line_holds_its_first_highlight_and_source_and_none_is_unanswerable():
    answer = _answer()
    assert marks.mark_line(answer, ["Earlier?"], 1) == {
        "kind": "answer",
        "question": "What do you grow?",
        "history": ["Earlier?"],
        "gold": "We rotate it with clover every third year.",  # the first highlight, collapsed
        "source": "roe.txt",
    }
    # Nothing highlighted: its first verbatim piece is the gold.
    assert marks.mark_line(answer, [], 2)["gold"] == "Not much. [tail]"
    assert marks.mark_line(answer, ["Earlier?"], 0) == {
        "kind": "unanswerable",
        "question": "What do you grow?",
        "history": ["Earlier?"],
    }
    assert marks.mark_line(answer, [], 3) is None


def test_a_mark_key_finds_its_line_only_while_the_conversation_holds_that_answer():
    answer, earlier = _answer(), Answer("Earlier?", True, ())
    asked = [(0, "Earlier?"), (1, answer.question)]
    answers = [(0, earlier), (1, answer)]
    keys = marks.mark_keys(1, answer, ["Earlier?"])
    assert len(keys) == 3 and all(marks.MARK_KEY.fullmatch(k) for k in keys)
    assert [k.split("-")[:2] for k in keys] == [["1", "0"], ["1", "1"], ["1", "2"]]
    assert marks.find_mark(keys[1], asked, answers) == marks.mark_line(answer, ["Earlier?"], 1)
    assert marks.find_mark(keys[0], asked, answers)["kind"] == "unanswerable"
    # Undone, retried or cleared: the turn holds another answer, or none; a forged key finds nothing.
    other = Answer("Something else?", True, answer.quotes)
    assert marks.find_mark(keys[1], asked, [(0, earlier), (1, other)]) is None
    assert marks.find_mark(keys[1], asked[:1], answers[:1]) is None
    assert marks.find_mark(keys[1], [], answers) is None  # the history it was asked with differs
    for forged in ("", "1-1", "1-1-" + "0" * 12, "../../etc", keys[1] + "0"):
        assert marks.find_mark(forged, asked, answers) is None
    assert marks.mark_keys(0, Answer("Bees?", False, ()), []) == []


def test_record_appends_a_line_but_never_the_same_line_twice_in_a_row(tmp_path):
    path = tmp_path / "new-folder" / "marked.jsonl"
    answer = _answer()
    one, none = marks.mark_line(answer, [], 1), marks.mark_line(answer, [], 0)
    assert marks.record(path, one) is True
    assert marks.record(path, one) is False  # a second click
    assert marks.record(path, none) is True
    assert marks.record(path, one) is True  # marked again after another: a line again
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [one, none, one]
    # A file edited by hand without a final newline gets its own line ended first.
    path.write_text(lines[0], encoding="utf-8")
    marks.record(path, none)
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [one, none]
    cases = load_cases(path)  # what `quotebot eval` reads
    assert [(c.kind, c.gold, c.source) for c in cases] == [
        ("answer", "We rotate it with clover every third year.", "roe.txt"),
        ("unanswerable", None, None),
    ]


def test_marks_live_in_the_store_s_folder_or_for_a_server_in_its_cache_folder(tmp_path):
    local = Store(path=tmp_path / "store", embedder=object())  # type: ignore[arg-type]
    assert marks.marked_file(local) == tmp_path / "store" / "marked.jsonl"
    served = Store(url="http://127.0.0.1:8000", embedder=object())  # type: ignore[arg-type]
    assert marks.marked_file(served) == served.cache_folder / "marked.jsonl"
    assert marks.marked_file(served, "mine") == served.cache_folder / "mine.jsonl"


def test_each_quote_card_offers_this_one_answers_and_the_answer_none_of_these():
    answer = _answer()
    keys = marks.mark_keys(3, answer, [])
    html = answer_html(answer, 0.5, marks=keys)
    assert html.count('class="qb-mark"') == 2 and html.count("This one answers") == 2
    assert html.count('class="qb-mark qb-mark-none"') == 1 and "None of these" in html
    assert f'href="#mark={keys[1]}"' in html and f'href="#mark={keys[0]}"' in html
    assert html.index(keys[1]) < html.index(keys[2]) < html.index(keys[0])  # "None of these" last
    # Without keys (the CLI's renderings, tests) or with a malformed one, no mark links.
    assert "qb-mark" not in answer_html(answer, 0.5)
    forged = answer_html(answer, 0.5, marks=['"><script>x()</script>', "", "1-2-zz"])
    assert "qb-mark" not in forged and "<script>" not in forged


def test_a_mark_link_escapes_what_the_transcript_says():
    text = PAYLOAD + " Sentence two."
    p = passage("c" * 24, text)
    answer = Answer(PAYLOAD, True, (Quote(p, 0.9, (PAYLOAD,), text),))
    html = answer_html(answer, 0.5, marks=marks.mark_keys(0, answer, [PAYLOAD]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('<a class="qb-mark') == 2
    line = marks.mark_line(answer, [PAYLOAD], 1)
    assert line is not None and line["gold"] == collapse(PAYLOAD)  # the file keeps the words as said


# -- the chat's handler, called as it is, with a real bot ------------------------------------


@pytest.fixture
def marked(bundled_bot) -> Path:
    """The bundled store's marked.jsonl, removed before and after the test."""
    path = marks.marked_file(bundled_bot.store)
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def _keys(reply: str) -> list[str]:
    """The keys of a reply's mark links, in order: the cards', then "None of these"."""
    return [part.split('"', 1)[0] for part in reply.split('href="#mark=')[1:]]


def test_a_click_on_this_one_answers_records_the_question_its_history_and_the_quote(bundled_bot, marked):
    reply, asked, answers = chat.converse(bundled_bot, SANCTIONS, [], 2)
    keys = _keys(reply)
    assert len(keys) == 3  # two cards, then "None of these"
    history = [{"role": "user", "content": SANCTIONS}, {"role": "assistant", "content": reply}]
    follow_up = "Who first proposed them?"
    second, asked, answers = chat.converse(bundled_bot, follow_up, history, 2, [], [], asked, answers)

    assert chat.mark_answer(bundled_bot, keys[0], asked, answers) is None
    assert chat.mark_answer(bundled_bot, keys[0], asked, answers) is None  # twice: recorded once
    assert chat.mark_answer(bundled_bot, _keys(second)[-1], asked, answers) is None
    lines = [json.loads(line) for line in marked.read_text(encoding="utf-8").splitlines()]
    first = answers[0][1].quotes[0]
    assert lines == [
        {
            "kind": "answer",
            "question": SANCTIONS,
            "history": [],
            "gold": collapse(first.highlight[0]),
            "source": BUNDLED.name,
        },
        {"kind": "unanswerable", "question": follow_up, "history": [SANCTIONS]},
    ]
    assert collapse(lines[0]["gold"]) in collapse(BUNDLED.read_text(encoding="utf-8"))

    # Cleared, then another question at the same turn: the old card's mark records nothing.
    _, asked, answers = chat.converse(bundled_bot, "Can online concerts replace live ones?", [], 2)
    assert chat.mark_answer(bundled_bot, keys[1], asked, answers) == chat.MARK_GONE
    assert chat.mark_answer(bundled_bot, "javascript:alert(1)", asked, answers) == chat.MARK_GONE
    assert len(marked.read_text(encoding="utf-8").splitlines()) == 2


def test_a_mark_that_cannot_be_written_says_so_and_logs_why(bundled_bot, marked, monkeypatch, caplog):
    reply, asked, answers = chat.converse(bundled_bot, SANCTIONS, [], 1)

    def full(path, line):
        raise OSError("No space left on device")

    monkeypatch.setattr(chat, "record", full)
    why = chat.mark_answer(bundled_bot, _keys(reply)[0], asked, answers)
    assert why is not None and "Something went wrong while recording the mark (OSError)" in why
    assert "No space left" in caplog.text and not marked.exists()


@pytest.mark.slow  # `quotebot eval`, three times
def test_quotebot_eval_marked_measures_the_questions_marked_in_the_chat(bundled_bot, marked, quotebot):
    store = bundled_bot.settings.store
    result = quotebot(store, "eval", "marked")
    assert result.returncode == 1
    assert "no question has been marked in the chat yet" in result.stderr and marked.name in result.stderr

    reply, asked, answers = chat.converse(bundled_bot, SANCTIONS, [], 3)
    assert chat.mark_answer(bundled_bot, _keys(reply)[0], asked, answers) is None
    bees = "What do bees make honey from?"
    reply, asked, answers = chat.converse(bundled_bot, bees, [], 3)
    assert chat.mark_answer(bundled_bot, _keys(reply)[-1], asked, answers) is None

    result = quotebot(store, "eval", "marked", "--json", "--details")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert (metrics["questions"], metrics["answerable"], metrics["unanswerable"]) == (2, 1, 1)
    assert metrics["hit@1"] == 1.0 and metrics["highlight@1"] == 1.0
    assert [(d["kind"], d["question"]) for d in metrics["details"]] == [
        ("answer", SANCTIONS),
        ("unanswerable", bees),
    ]
    # A path is read as given, not from the store's folder.
    result = quotebot(store, "eval", "./marked")
    assert result.returncode == 1 and "Cannot read the eval file marked" in result.stderr
