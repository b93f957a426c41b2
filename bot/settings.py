"""Every QUOTEBOT_* setting, read in this one place, with its default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ingest import DEFAULT_MAX_TOKENS
from ingest.errors import QuotebotError

MAX_TOP_K = 10


def default_store() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "quotebot" / "store"


@dataclass(frozen=True)
class Settings:
    """Where data lives and how retrieval behaves.

    Each field can be set by the environment variable ``QUOTEBOT_<FIELD>`` (e.g.
    ``QUOTEBOT_STORE``, ``QUOTEBOT_TOP_K``) or by the CLI flag of the same name.
    """

    store: Path = field(default_factory=default_store)
    """Folder of the embedded Chroma store."""
    chroma_url: str | None = None
    """A Chroma server (http://host:port) to use instead of the embedded store."""
    top_k: int = 3
    """How many quotes an answer shows."""
    min_score: float = 0.31
    """Below this top score the bot says nothing answers confidently (midway, on held-out questions,
    between the best unanswerable and the worst answerable question's score)."""
    candidates: int = 100
    """How many passages each retriever (dense, BM25, interviewer question) proposes."""
    rerank_depth: int = 12
    """How many of the best candidates are re-scored sentence by sentence and word by word."""
    weight_passage: float = 2.51
    """Fusion weight of the question-passage cosine."""
    weight_sentence: float = 3.45
    """Fusion weight of the best question-sentence cosine."""
    weight_lexical: float = 0.54
    """Fusion weight of the BM25 score (as a share of the most BM25 gives the question's words)."""
    weight_coverage: float = 2.0
    """Fusion weight of the share of the question's words the passage uses."""
    weight_match: float = 4.66
    """Fusion weight of how closely the passage's words, in context, match the question's topic words."""
    fusion_bias: float = -5.17
    """Intercept of the fused score's logistic."""
    weight_pool: float = -0.218
    """Change of the fused logit per e-fold of passages a question could be answered from."""
    highlight_lexical: float = 0.3
    """Weight of word overlap next to the cosine when choosing the sentence(s) to highlight."""
    highlight_asked_weight: float = 0.0
    """How much a question word counts in that overlap when the interviewer's question uses it too."""
    highlight_restatement: float = 0.3
    """How much a sentence's cosine with the interviewer's question counts against highlighting it."""
    highlight_margin: float = 0.13
    """A runner-up sentence within this much of the best sentence's score is highlighted too."""
    highlight_sentences: int = 2
    """Most sentences highlighted in one quote (the best one and runners-up within the margin)."""
    quote_words: int = 80
    """A long passage is quoted as its best sentences, with context, in at most this many words."""
    whole_words: int = 100
    """A passage of at most this many words is quoted whole rather than cut to ``quote_words``."""
    spelling: bool = True
    """Whether misspelt question words are corrected before searching (see vectorstore/spelling.py)."""
    followup_weight: float = 0.5
    """How much of the previous question a follow-up question borrows."""
    max_tokens: int = DEFAULT_MAX_TOKENS
    """Longest passage, in cl100k tokens, that ingestion cuts."""
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = field(default=None, repr=False)
    """"user:password" the browser must give (basic login); set it when serving beyond 127.0.0.1."""

    def __post_init__(self) -> None:
        check_top_k(self.top_k, "top_k")
        if not 0.0 <= self.min_score <= 1.0:
            raise QuotebotError(f"min_score must be between 0 and 1; it is {self.min_score}.")
        if self.candidates < 1 or self.rerank_depth < 1:
            raise QuotebotError(
                f"candidates and rerank_depth must be at least 1; they are {self.candidates} "
                f"and {self.rerank_depth}."
            )
        if self.weight_pool > 0.0:
            raise QuotebotError(
                f"weight_pool must be 0 or less (a larger pool cannot make a match more telling); "
                f"it is {self.weight_pool}."
            )
        if not 0.0 <= self.followup_weight < 1.0:
            raise QuotebotError(f"followup_weight must be in [0, 1); it is {self.followup_weight}.")
        if self.quote_words < 10:
            raise QuotebotError(f"quote_words must be at least 10; it is {self.quote_words}.")
        if self.highlight_sentences < 1:
            raise QuotebotError(f"highlight_sentences must be at least 1; it is {self.highlight_sentences}.")
        if self.max_tokens < 16:
            raise QuotebotError(f"max_tokens must be at least 16; it is {self.max_tokens}.")
        if self.auth is not None and not all(self.auth.partition(":")[::2]):
            raise QuotebotError('QUOTEBOT_AUTH must look like "user:password" (both non-empty).')

    @property
    def credentials(self) -> tuple[str, str] | None:
        """The login as (user, password), or None when none is required."""
        if not self.auth:
            return None
        user, _, password = self.auth.partition(":")
        return user, password

    def fusion_weights(self) -> dict[str, float]:
        """The weight of each retrieval signal in the fused score."""
        return {
            "passage": self.weight_passage,
            "sentence": self.weight_sentence,
            "lexical": self.weight_lexical,
            "coverage": self.weight_coverage,
            "match": self.weight_match,
        }

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ``QUOTEBOT_*`` variables, then non-None ``overrides``."""
        values: dict[str, Any] = {}
        defaults = cls()
        for f in fields(cls):
            raw = os.environ.get(f"QUOTEBOT_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw, type(getattr(defaults, f.name)))
        base = cls(**values)
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def check_top_k(k: object, name: str) -> int:
    """``k`` if it is a number of quotes an answer can show, 1 to 10; else an error naming
    ``name``, the setting, flag or field it was given as."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_TOP_K:
        raise QuotebotError(f"{name} must be a whole number from 1 to {MAX_TOP_K}; it is {k!r}.")
    return k


def _convert(name: str, raw: str, kind: type) -> Any:
    try:
        if issubclass(kind, Path):
            return Path(raw).expanduser()
        if kind is bool:
            return _BOOLEANS[raw.strip().lower()]
        if kind in (int, float):
            return kind(raw)
        return raw
    except (ValueError, KeyError):
        expected = "1 or 0 (true or false)" if kind is bool else f"a valid {kind.__name__}"
        raise QuotebotError(f"QUOTEBOT_{name.upper()}={raw!r} is not {expected}.") from None


_BOOLEANS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}
