from __future__ import annotations

from conftest import BUNDLED, collapse

from ingest import passages_from, read_passages, sentence_spans
from ingest.chunk import SHORT_PARAGRAPH_TOKENS, count_tokens, join_short_paragraphs, split_paragraph
from ingest.read import Document

LONG = " ".join(f"Sentence number {i} talks about the harbour and the ships in it." for i in range(40))


def test_short_paragraph_stays_whole():
    text = "We will repair it this summer. The council voted for it last week."
    assert split_paragraph(text, 160, lambda t: True) == [(0, len(text))]


def test_long_paragraph_is_cut_between_sentences_within_bounds():
    spans = split_paragraph(LONG, 60, lambda t: True)
    assert len(spans) > 1
    pieces = [LONG[s:e] for s, e in spans]
    assert all(count_tokens(p) <= 60 for p in pieces)
    assert all(p.startswith("Sentence number") and p.endswith("in it.") for p in pieces)
    assert collapse(" ".join(pieces)) == collapse(LONG)  # nothing lost, nothing repeated


def test_embedder_limit_is_respected_even_under_the_token_bound():
    spans = split_paragraph(LONG, 10_000, lambda t: len(t.split()) <= 50)
    assert len(spans) > 1
    assert all(len(LONG[s:e].split()) <= 50 for s, e in spans)


def test_a_sentence_longer_than_the_limit_is_cut_between_words():
    text = " ".join(["word"] * 300) + "."
    spans = split_paragraph(text, 50, lambda t: True)
    assert all(count_tokens(text[s:e]) <= 50 for s, e in spans)
    assert all(not text[s:e].startswith(" ") and text[s - 1 : s] in ("", " ") for s, e in spans)
    assert collapse(" ".join(text[s:e] for s, e in spans)) == collapse(text)


def test_bundled_passages_are_verbatim_and_fit_the_model(embedder):
    parsed = read_passages(BUNDLED, embedder.fits)
    source = BUNDLED.read_text(encoding="utf-8")
    assert len(parsed.passages) == 33  # at least one per answer paragraph: none is joined
    assert all(p.last_paragraph is None for p in parsed.passages)
    for p in parsed.passages:
        assert source[p.char_start : p.char_end] == p.text
        assert embedder.fits(p.text)
        assert p.speaker == "Sergey Lavrov"
        assert count_tokens(p.text) <= 160
    assert len({p.id for p in parsed.passages}) == len(parsed.passages)


def test_a_line_break_in_hard_wrapped_text_does_not_end_a_sentence():
    text = (
        "Well, I think a vaccine passport is something that’s been\n"
        "designated by the — or an idea coming from the airlines.  What I’m\n"
        "conveying is there are lots of ideas.\n\nWe welcome those."
    )
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Well, I think a vaccine passport is something that’s been\n"
        "designated by the — or an idea coming from the airlines.",
        "What I’m\nconveying is there are lots of ideas.",
        "We welcome those.",
    ]


def test_speech_without_a_single_sentence_end_is_cut_into_runs_of_words():
    captions = " ".join(f"word{i}" for i in range(95))  # automatic captions: no full stop anywhere
    spans = sentence_spans(captions)
    assert [captions[s:e].split()[0] for s, e in spans] == ["word0", "word20", "word40", "word60", "word80"]
    assert " ".join(captions[s:e] for s, e in spans) == captions
    long_sentence = " ".join(["and then we went on"] * 20) + "."  # one sentence, however long, stays one
    assert sentence_spans(long_sentence) == [(0, len(long_sentence))]
    assert sentence_spans("no stop here but few words") == [(0, 26)]


def _paragraphs(text: str, answers: list[str]) -> list[tuple[int, int, str]]:
    """The (start, end, answer) of each blank-line-separated paragraph of ``text``."""
    found, pos = [], 0
    for para, answer in zip(text.split("\n\n"), answers, strict=True):
        start = text.index(para, pos)
        found.append((start, start + len(para), answer))
        pos = start + len(para)
    return found


def test_short_paragraphs_of_one_answer_are_joined_within_the_bound():
    text = "We will.\n\nIt is funded.\n\nThe work starts soon.\n\nNo, not yet.\n\nMaybe in May."
    paragraphs = _paragraphs(text, ["a", "a", "a", "b", "b"])
    assert join_short_paragraphs(text, paragraphs, 160, lambda t: True) == [(0, 2), (3, 4)]
    # Never beyond the bound, nor what the model can read whole.
    assert join_short_paragraphs(text, paragraphs, 9, lambda t: True) == [(0, 1), (2, 2), (3, 4)]
    assert join_short_paragraphs(text, paragraphs, 160, lambda t: "\n" not in t) == [(i, i) for i in range(5)]


def test_paragraphs_are_not_joined_over_a_label_or_a_time():
    text = "We will.\n\nIt is funded.\n\n[00:01:05] The work starts soon.\n\nSoon."
    paragraphs = _paragraphs(text, ["a", "a", "a", "a"])
    paragraphs[2] = (text.index("The work"), paragraphs[2][1], "a")  # the time is not speech
    assert join_short_paragraphs(text, paragraphs, 160, lambda t: True) == [(0, 1), (2, 3)]


def test_paragraphs_that_make_a_point_each_stay_apart():
    sentence = "The agreement covers the harbour, the ships and the people who work there every day. "
    long = sentence * (SHORT_PARAGRAPH_TOKENS // count_tokens(sentence) + 1)
    text = "\n\n".join([long, "Yes.", long])
    paragraphs = _paragraphs(text, ["a", "a", "a"])
    assert join_short_paragraphs(text, paragraphs, 10_000, lambda t: True) == [(0, 0), (1, 1), (2, 2)]


def test_a_briefing_written_a_sentence_at_a_time_is_quoted_from_joined_paragraphs(embedder):
    text = (
        "Q: Where does the bridge money come from?\n\n"
        "MS. PARK: Well, a few things.\n\n"
        "The state pays half of it.\n\n"
        "The rest comes from a federal grant we won in May.\n\n"
        "Q: When does it open?\n\n"
        "MS. PARK: Next spring.\n\n"
        "MR. LEE: If the weather holds.\n"
    )
    passages = passages_from(Document("bridge.txt", text), embedder.fits).passages
    assert [(p.speaker, p.paragraph, p.last_paragraph) for p in passages] == [
        ("Ms. Park", 1, 3),
        ("Ms. Park", 1, None),
        ("Mr. Lee", 2, None),  # a second speaker on the same question: never joined to the first
    ]
    joined = passages[0]
    assert text[joined.char_start : joined.char_end] == joined.text
    assert joined.text.startswith("Well, a few things.") and joined.text.endswith("won in May.")
    assert joined.paragraph_label == "¶1–3" and passages[1].paragraph_label == "¶1"
    assert "Q:" not in joined.text
