from __future__ import annotations

from conftest import BUNDLED, collapse

from ingest import read_passages, sentence_spans
from ingest.chunk import count_tokens, split_paragraph

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
    assert len(parsed.passages) >= 28  # at least one per answer paragraph
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
