"""The embedding model's word pieces: where they sit in the text, and their vectors."""

from __future__ import annotations

import time

import numpy as np

from vectorstore.embedder import MAX_WORDPIECES, Embedder


def test_word_pieces_point_back_into_the_text(embedder):
    text = "Sanctions hit Lavrov’s economies."
    (pieces,) = embedder.embed_pieces([text])
    assert [text[a:b] for a, b in pieces.spans] == [
        "Sanctions",
        "hit",
        "La",
        "vr",
        "ov",
        "’",
        "s",
        "economies",
        ".",
    ]
    assert np.allclose(np.linalg.norm(pieces.vectors, axis=1), 1.0, atol=1e-5)


def test_one_pass_gives_the_texts_vector_too(embedder):
    texts = ["What does Lavrov think about sanctions?", "Short."]
    for text, pieces in zip(texts, embedder.embed_pieces(texts), strict=True):
        assert np.allclose(pieces.vector, embedder.embed([text])[0], atol=1e-5)
        assert len(pieces.spans) == len(pieces.vectors)


def test_a_text_longer_than_the_model_reads_keeps_spans_and_vectors_aligned(embedder):
    text = " ".join(f"word{i}" for i in range(400))
    (pieces,) = embedder.embed_pieces([text])
    assert len(pieces.spans) == len(pieces.vectors) == MAX_WORDPIECES - 2
    assert all(0 <= a < b <= len(text) for a, b in pieces.spans)
    assert text[slice(*pieces.spans[0])] == "word"


def test_preload_loads_the_model_in_the_background_and_embeds_as_a_first_use_would(embedder):
    fresh = Embedder()
    fresh.preload()
    deadline = time.monotonic() + 120
    while fresh._model is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fresh._model is not None
    assert np.allclose(fresh.embed(["Sanctions hurt."]), embedder.embed(["Sanctions hurt."]), atol=1e-6)
