"""The embedding model: its word pieces (where they sit in the text, their vectors, how many),
and its approximate vectors."""

from __future__ import annotations

import time

import numpy as np
from conftest import BUNDLED

from vectorstore.embedder import MAX_WORDPIECES, Embedder, _native_bfloat16


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


def test_word_pieces_are_counted_as_the_model_reads_them_at_any_length(embedder):
    texts = [
        "Sanctions hit Lavrov’s economies.",
        # past the 128 pieces the model's tokenizer truncates at by default, and past what the model reads
        " ".join(f"word{i}" for i in range(100)),
        " ".join(f"word{i}" for i in range(400)),
        "日本語のテキスト",
        "",
    ]
    embedder.embed(texts)  # which sets the model's own tokenizer to truncate and pad
    tokenizer = embedder.model.tokenizer
    for text in texts:
        expected = len(tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])
        assert embedder.count_wordpieces(text) == expected
    assert embedder.count_wordpieces(texts[2]) > MAX_WORDPIECES and not embedder.fits(texts[2])


def test_approximate_vectors_stay_within_a_hair_of_the_exact_ones(embedder):
    paragraphs = [p for p in BUNDLED.read_text(encoding="utf-8").split("\n\n") if len(p) > 40][:24]
    exact, rough = embedder.embed(paragraphs), embedder.embed(paragraphs, approximate=True)
    assert np.min(np.sum(exact * rough, axis=1)) > 0.999
    # bfloat16 where the CPU computes it, and so a different result; float32, the same one, elsewhere
    assert np.array_equal(exact, rough) != _native_bfloat16()
    rough_pieces = embedder.embed_pieces(paragraphs[:6], approximate=True)
    for a, b in zip(embedder.embed_pieces(paragraphs[:6]), rough_pieces, strict=True):
        assert a.spans == b.spans
        assert np.min(np.sum(a.vectors * b.vectors, axis=1)) > 0.999
