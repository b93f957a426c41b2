"""The numbers ranking is fitted with (fusion weights, threshold, highlight knobs), read from JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from bot.fusion import FEATURES
from ingest.errors import QuotebotError

SHIPPED = "ranking.json"


@dataclass(frozen=True)
class RankingModel:
    """How candidates are scored, which are shown, and what of them is highlighted.

    ``benchmarks/fit_weights.py --write FILE`` refits the weights, bias and pool weight and writes
    them with the rest; ``fitted`` records what they were fit on. A signal is added by naming it
    in ``bot.fusion.FEATURES`` and giving it a weight here.
    """

    weights: dict[str, float]
    """Fusion weight of each signal of ``bot.fusion.FEATURES``."""
    bias: float
    """Intercept of the fused score's logistic."""
    pool_weight: float
    """Change of the fused logit per e-fold of passages a question could be answered from (≤ 0)."""
    min_score: float
    """Below this top score the bot says nothing answers confidently."""
    candidates: int
    """How many passages each retriever (dense, BM25, interviewer question) proposes."""
    rerank_depth: int
    """How many of the best candidates are re-scored sentence by sentence and word by word."""
    highlight_lexical: float
    """Weight of word overlap next to the cosine when choosing the sentence(s) to highlight."""
    highlight_asked_weight: float
    """How much a question word counts in that overlap when the interviewer's question uses it too."""
    highlight_restatement: float
    """How much a sentence's cosine with the interviewer's question counts against highlighting it."""
    highlight_margin: float
    """A runner-up sentence within this much of the best sentence's score is highlighted too."""
    highlight_sentences: int
    """Most sentences highlighted in one quote."""
    quote_words: int
    """A long passage is quoted as its best sentences, with context, in at most this many words."""
    whole_words: int
    """A passage of at most this many words is quoted whole rather than cut to ``quote_words``."""
    followup_weight: float
    """How much of the previous question a follow-up question borrows."""
    fitted: dict[str, Any] = field(default_factory=dict)
    """What the numbers were fit or chosen on, and when."""

    def __post_init__(self) -> None:
        if set(self.weights) != set(FEATURES):
            raise QuotebotError(
                f"The ranking model's weights must name exactly the signals {', '.join(FEATURES)}; "
                f"it names {', '.join(self.weights) or 'none'}. Refit it with benchmarks/fit_weights.py."
            )
        # The fused sum is taken in the signals' own order, so that a model read from any file
        # scores exactly as the shipped one does.
        object.__setattr__(self, "weights", {name: float(self.weights[name]) for name in FEATURES})
        if self.pool_weight > 0.0:
            raise QuotebotError(
                f"pool_weight must be 0 or less (a larger pool cannot make a match more telling); "
                f"it is {self.pool_weight}."
            )
        if not 0.0 <= self.min_score <= 1.0:
            raise QuotebotError(f"min_score must be between 0 and 1; it is {self.min_score}.")
        if self.candidates < 1 or self.rerank_depth < 1:
            raise QuotebotError(
                f"candidates and rerank_depth must be at least 1; they are {self.candidates} "
                f"and {self.rerank_depth}."
            )
        if not 0.0 <= self.followup_weight < 1.0:
            raise QuotebotError(f"followup_weight must be in [0, 1); it is {self.followup_weight}.")
        if self.quote_words < 10:
            raise QuotebotError(f"quote_words must be at least 10; it is {self.quote_words}.")
        if self.highlight_sentences < 1:
            raise QuotebotError(f"highlight_sentences must be at least 1; it is {self.highlight_sentences}.")

    @classmethod
    def load(cls, path: Path | None = None) -> RankingModel:
        """The model in ``path``, or the one shipped with quotebot."""
        try:
            if path is None:
                text = resources.files("bot").joinpath(SHIPPED).read_text(encoding="utf-8")
            else:
                text = Path(path).read_text(encoding="utf-8")
            data = json.loads(text)
        except OSError as exc:
            raise QuotebotError(f"Cannot read the ranking model {path}: {exc.strerror}.") from None
        except json.JSONDecodeError as exc:
            raise QuotebotError(f"The ranking model {path} is not valid JSON ({exc}).") from None
        where = path or SHIPPED
        if not isinstance(data, dict):
            raise QuotebotError(f"The ranking model {where} must be a JSON object.")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        missing = sorted({f.name for f in fields(cls) if f.name != "fitted"} - set(data))
        if unknown or missing:
            raise QuotebotError(
                f"The ranking model {where} has unknown fields {unknown} and lacks {missing}: "
                "write it with benchmarks/fit_weights.py --write."
            )
        try:
            return cls(**data)
        except TypeError as exc:
            raise QuotebotError(f"The ranking model {where} has a value of the wrong type ({exc}).") from None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"
