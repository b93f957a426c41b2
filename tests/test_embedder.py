"""The embedding model: its word pieces (where they sit in the text, their vectors, how many),
and its approximate vectors."""

from __future__ import annotations

import time

import numpy as np
import pytest
from conftest import BUNDLED

from vectorstore.embedder import MAX_WORDPIECES, Embedder, _packed


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
    exact = embedder.embed(paragraphs)
    rough = np.stack([pieces.vector for pieces in embedder.embed_pieces(paragraphs, approximate=True)])
    assert np.min(np.sum(exact * rough, axis=1)) > 0.999
    rough_pieces = embedder.embed_pieces(paragraphs[:6], approximate=True)
    for a, b in zip(embedder.embed_pieces(paragraphs[:6]), rough_pieces, strict=True):
        assert a.spans == b.spans
        assert np.min(np.sum(a.vectors * b.vectors, axis=1)) > 0.999


def test_texts_read_packed_together_come_out_as_each_read_alone(embedder):
    """The approximate reading packs texts end to end, several to a row of the model's input: in
    float32 each comes out as the model reads it alone, whatever it was packed beside."""
    packed = Embedder()
    packed._approximate = embedder.model[0].auto_model  # float32, to compare exactly
    packed._model = embedder.model
    long = " ".join(f"word{i}" for i in range(400))  # past what the model reads: truncated alike
    texts = [
        "Sanctions hit Lavrov’s economies.",
        "Yes.",
        long,
        BUNDLED.read_text(encoding="utf-8")[:600],
        "Short.",
    ]
    rows = _packed([embedder.count_wordpieces(t) for t in texts[:2] + texts[3:]], MAX_WORDPIECES)
    assert len(rows) < 4  # so some texts do share a row
    for alone, together in zip(
        embedder.embed_pieces(texts), packed.embed_pieces(texts, approximate=True), strict=True
    ):
        assert alone.spans == together.spans
        assert float(alone.vector @ together.vector) > 0.99999
        assert np.min(np.sum(alone.vectors * together.vectors, axis=1)) > 0.99999


def test_packing_fills_rows_without_overflowing_them():
    lengths = [256, 3, 200, 50, 60, 7, 120, 130, 1]
    rows = _packed(lengths, 256)
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in row) <= 256 for row in rows)
    assert len(rows) == 4  # 256 | 200+50+3+1 | 130+120 | 60+7: first-fit, longest first


def test_once_the_model_is_loaded_numpy_multiplies_on_one_thread():
    """numpy's OpenBLAS threads spin between calls, on the cores the model reads with."""
    from threadpoolctl import ThreadpoolController

    openblas = ThreadpoolController().select(internal_api="openblas")
    if not openblas.lib_controllers:
        pytest.skip("this numpy has no OpenBLAS")
    openblas.limit(limits=2)
    assert {lib.num_threads for lib in openblas.lib_controllers} == {2}
    Embedder().embed(["a model of its own, loaded now"])
    assert {lib.get_num_threads() for lib in openblas.lib_controllers} == {1}
