"""Unit tests of the pure retrieval functions: fusion, highlighting, quote windows, follow-ups."""

from __future__ import annotations

import numpy as np
import pytest

from bot.followup import asks_for_more, blend, followup_weight, means_nothing_alone, points_back
from bot.fusion import coverage, fuse, piece_match, piece_weights, top_indices
from bot.highlight import (
    ELLIPSIS,
    highlight_indices,
    quote_window,
    runs,
    sentence_scores,
    verbatim_segments,
    window_text,
)
from ingest.words import tokenize

WEIGHTS = {"passage": 2.0, "lexical": 4.0}


def test_fuse_is_a_calibrated_monotone_score():
    features = {"passage": np.array([0.2, 0.5, 0.5]), "lexical": np.array([0.0, 0.0, 1.0])}
    scores = fuse(features, WEIGHTS, bias=-3.0)
    assert np.all((scores > 0) & (scores < 1))
    assert scores[0] < scores[1] < scores[2]
    assert scores[1] == pytest.approx(1 / (1 + np.exp(-(-3.0 + 2.0 * 0.5))))


def test_fuse_ignores_signals_without_weight():
    features = {"passage": np.array([0.3]), "lexical": np.array([0.1]), "unused": np.array([9.0])}
    assert fuse(features, WEIGHTS, 0.0) == pytest.approx(
        fuse({**features, "unused": np.array([0.0])}, WEIGHTS, 0.0)
    )


def test_coverage_weighs_rare_words():
    idf = {"sanction": 1.0, "cryptocurr": 5.0}.get
    assert coverage(["sanction", "cryptocurr"], {"sanction"}, lambda w: idf(w) or 0.0) == pytest.approx(1 / 6)
    assert coverage(["sanction"], {"sanction", "other"}, lambda w: 1.0) == 1.0
    assert coverage([], {"sanction"}, lambda w: 1.0) == 0.0


def test_piece_weights_count_only_the_topic_words_each_by_its_idf_shared_among_its_pieces():
    text = "What does Lavrov say about cryptocurrencies?"
    # Hand-made word pieces: "cryptocurrencies" in four, then the question mark.
    spans = [(0, 4), (5, 9), (10, 12), (12, 14), (14, 16), (17, 20), (21, 26), (27, 33), (33, 36), (36, 39)]
    spans += [(39, 43), (43, 44)]
    idf = {"cryptocurr": 5.0, "lavrov": 3.0}.get
    weights = piece_weights(text, spans, {"cryptocurr"}, lambda w: idf(w) or 0.0)
    assert weights.tolist() == [0.0] * 7 + [1.25] * 4 + [0.0]
    # Each word counts its IDF once, however many pieces the model cuts it into.
    weights = piece_weights(text, spans, {"cryptocurr", "lavrov"}, lambda w: idf(w) or 0.0)
    assert weights.tolist() == [0.0] * 2 + [1.0] * 3 + [0.0] * 2 + [1.25] * 4 + [0.0]


def test_piece_match_is_the_weighted_mean_of_each_pieces_best_cosine():
    question = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    passage = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float16)
    assert piece_match(question, np.array([1.0, 3.0]), passage) == pytest.approx(
        (1.0 + 3 * 0.8) / 4, abs=1e-3
    )
    assert piece_match(question, np.array([0.0, 0.0]), passage) == 0.0
    assert piece_match(question, np.array([1.0, 1.0]), passage[:0]) == 0.0


def test_tokenize_stems_and_drops_question_words():
    assert tokenize("What does Lavrov think about the sanctions?") == ["lavrov", "sanction"]


def test_highlight_is_the_best_sentence_or_it_and_a_close_neighbour():
    assert highlight_indices(np.array([0.1, 0.9, 0.2]), margin=0.05) == [1]
    assert highlight_indices(np.array([0.1, 0.9, 0.88]), margin=0.05) == [1, 2]
    assert highlight_indices(np.array([0.87, 0.9, 0.88]), margin=0.05) == [1, 2]
    assert highlight_indices(np.array([]), margin=0.05) == []


def test_sentence_scores_discount_words_the_interviewer_already_asked():
    sims = np.array([0.5, 0.5])
    sentences = [{"treaty", "signed"}, {"treaty", "unique", "formula"}]
    query = ["treaty", "unique"]
    plain = sentence_scores(sims, sentences, query, lambda w: 1.0, lexical_weight=1.0)
    assert plain == pytest.approx([1.0, 1.5])
    # "treaty" is in the interviewer's question: it no longer lifts the first sentence
    asked = sentence_scores(sims, sentences, query, lambda w: 1.0, 1.0, {"treaty"}, asked_weight=0.0)
    assert asked == pytest.approx([0.5, 1.5])
    # nothing left to count: the cosines alone
    only = sentence_scores(sims, sentences, ["treaty"], lambda w: 1.0, 1.0, {"treaty"}, asked_weight=0.0)
    assert only == pytest.approx([0.5, 0.5])


def test_sentence_scores_discount_restating_the_interviewers_question():
    sims = np.array([0.6, 0.5])
    tokens = [set(), set()]
    restating = np.array([0.9, 0.1])  # the first sentence echoes what was asked
    plain = sentence_scores(sims, tokens, [], lambda w: 1.0, 0.0)
    assert int(np.argmax(plain)) == 0
    scored = sentence_scores(
        sims, tokens, [], lambda w: 1.0, 0.0, restatement=restating, restatement_weight=0.3
    )
    assert scored == pytest.approx([0.33, 0.47])


def test_highlight_takes_a_close_runner_up_anywhere_in_the_passage():
    assert highlight_indices(np.array([0.8, 0.1, 0.2, 0.75]), margin=0.1) == [0, 3]
    assert highlight_indices(np.array([0.8, 0.1, 0.2, 0.75]), margin=0.1, limit=1) == [0]
    assert highlight_indices(np.array([0.8, 0.78, 0.2, 0.75]), margin=0.1, limit=3) == [0, 1, 3]


def test_runs_groups_consecutive_indices():
    assert runs([4, 1, 2]) == [(1, 2), (4, 4)]
    assert runs([]) == []


def test_quote_window_keeps_a_short_passage_whole():
    assert quote_window([10, 10, 10], [1], np.array([0.0, 1.0, 0.0]), max_words=40) == [(0, 2)]
    # a passage a little over the limit is kept whole when it fits whole_words
    assert quote_window([30, 30, 30], [1], np.array([0.0, 1.0, 0.0]), max_words=75, whole_words=90) == [
        (0, 2)
    ]
    assert quote_window([], [], np.zeros(0), max_words=40) == []


def test_quote_window_grows_towards_the_better_neighbour_within_the_limit():
    words = [20, 20, 20, 20, 20]
    scores = np.array([0.0, 0.3, 0.9, 0.5, 0.1])
    assert quote_window(words, [2], scores, max_words=40) == [(2, 3)]
    assert quote_window(words, [2], scores, max_words=60) == [(1, 3)]
    # a chosen sentence longer than the limit is kept whole, never cut
    assert quote_window([5, 100, 5], [1], np.array([0.0, 1.0, 0.0]), max_words=50) == [(1, 1)]


def test_quote_window_keeps_every_highlighted_sentence():
    words = [20, 20, 20, 20, 20]
    scores = np.array([0.9, 0.3, 0.1, 0.2, 0.85])
    # far apart: both quoted, the gap left out
    assert quote_window(words, [0, 4], scores, max_words=60) == [(0, 1), (4, 4)]
    # close enough: the sentences between them are quoted too
    assert quote_window(words, [1, 3], scores, max_words=60) == [(1, 3)]


TEXT = "First one. Second one here. Third one. Fourth."
SPANS = [(0, 10), (11, 27), (28, 38), (39, 46)]


def test_window_text_marks_what_it_leaves_out():
    assert window_text(TEXT, SPANS, [(0, 3)]) == TEXT
    assert window_text(TEXT, SPANS, [(1, 2)]) == f"{ELLIPSIS} Second one here. Third one. {ELLIPSIS}"
    assert window_text(TEXT, SPANS, [(0, 1)]) == f"First one. Second one here. {ELLIPSIS}"
    assert window_text(TEXT, SPANS, [(3, 3)]) == f"{ELLIPSIS} Fourth."
    assert window_text(TEXT, SPANS, [(0, 0), (3, 3)]) == f"First one. {ELLIPSIS} Fourth."
    assert window_text(TEXT, SPANS, [(0, 0), (1, 1)]) == "First one. Second one here. " + ELLIPSIS


def test_window_text_marks_where_the_paragraph_goes_on_beyond_the_passage():
    assert window_text(TEXT, SPANS, [(0, 3)], more_before=True) == f"{ELLIPSIS} {TEXT}"
    assert window_text(TEXT, SPANS, [(0, 3)], more_after=True) == f"{TEXT} {ELLIPSIS}"
    middle = f"{ELLIPSIS} Second one here. Third one. {ELLIPSIS}"
    assert window_text(TEXT, SPANS, [(1, 2)], more_before=True, more_after=True) == middle
    start = f"{ELLIPSIS} First one. Second one here. {ELLIPSIS}"
    assert window_text(TEXT, SPANS, [(0, 1)], more_before=True) == start
    assert window_text("No sentences", (), (), more_after=True) == f"No sentences {ELLIPSIS}"


def test_each_segment_of_a_windowed_quote_is_verbatim():
    quote = window_text(TEXT, SPANS, [(1, 2)])
    assert verbatim_segments(quote) == ["Second one here. Third one."]
    quote = window_text(TEXT, SPANS, [(0, 0), (2, 2)])
    assert verbatim_segments(quote) == ["First one.", "Third one."]
    assert all(segment in TEXT for segment in verbatim_segments(quote))


@pytest.mark.parametrize(
    "question",
    [
        "Who first proposed them?",
        "And what about travellers' rights?",
        "Why?",
        "What about students?",
        "Tell me more",
        "Anything else?",
        "Does he expect the US to return to it?",
        "Who suffers most from them?",
    ],
)
def test_followups_borrow_from_history(question):
    assert followup_weight(question, tokenize(question), has_history=True, weight=0.5) > 0


@pytest.mark.parametrize(
    "question",
    [
        "When was the Treaty of Good-Neighbourliness signed?",
        "How many events are planned for the cross years?",
        "Is there a plan for cultural cooperation with China?",
        "What did he say about sanctions?",
        "What does she think about the pandemic?",
    ],
)
def test_self_contained_questions_do_not(question):
    assert followup_weight(question, tokenize(question), has_history=True, weight=0.5) == 0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Tell me more", True),
        ("Anything else?", True),
        ("Go on.", True),
        ("Can you elaborate on that?", True),
        ("Why?", False),
        ("Where did it go?", False),
        ("Tell me more about sanctions", False),
        ("What else did the EU do?", False),
    ],
)
def test_a_request_for_more_names_no_topic(question, expected):
    assert asks_for_more(question, tokenize(question)) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who first proposed them?", True),
        ("Why?", True),
        ("And how?", True),
        ("And what about travellers' rights?", False),  # it names a topic: maybe a new one
        ("What about vaccine passports?", False),
        ("Which fields?", False),
        ("When did the harbour reopen?", False),
    ],
)
def test_only_a_question_that_points_back_is_surely_a_followup(question, expected):
    assert points_back(question, tokenize(question)) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Why?", True),
        ("Tell me more", True),
        ("What did he say?", True),
        ("Why EU?", False),
        ("What about sanctions?", False),
    ],
)
def test_a_question_naming_nothing_means_nothing_alone(question, expected):
    assert means_nothing_alone(question, tokenize(question)) is expected


def test_nothing_to_borrow_without_history():
    assert followup_weight("Why?", [], has_history=False, weight=0.5) == 0


def test_blend_is_a_unit_vector_between_the_two():
    a, b = np.array([1.0, 0.0], dtype=np.float32), np.array([0.0, 1.0], dtype=np.float32)
    mixed = blend(a, b, 0.5)
    assert np.linalg.norm(mixed) == pytest.approx(1.0)
    assert mixed @ a == pytest.approx(mixed @ b)
    assert blend(a, b, 0.0) == pytest.approx(a)


def test_top_indices_are_those_a_stable_sort_of_every_score_gives_ties_and_all():
    rng = np.random.default_rng(3)
    for _ in range(200):
        scores = rng.integers(-2, 6, size=int(rng.integers(1, 60))).astype(np.float32)  # many ties
        allowed = rng.random(len(scores)) < 0.8
        k = int(rng.integers(1, 70))
        values = np.where(allowed, scores, -np.inf)
        expected = [int(i) for i in np.argsort(-values, kind="stable")[:k] if values[i] > 0]
        assert top_indices(scores, k, allowed) == expected


def test_top_indices_respects_the_filter_and_drops_zero_scores():
    scores = np.array([0.5, 0.0, 0.9, 0.7])
    assert top_indices(scores, 2) == [2, 3]
    assert top_indices(scores, 10) == [2, 3, 0]
    assert top_indices(scores, 2, allowed=np.array([True, True, False, True])) == [3, 0]
