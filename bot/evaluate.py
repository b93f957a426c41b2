"""`quotebot eval`: measure the bot on a JSONL file of questions with verbatim gold spans."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answer import Answer
from ingest.errors import EmptyQuestionError, QuotebotError

KINDS = ("answer", "followup", "unanswerable")
EVAL_K = 5  # hit@5 needs five quotes, whatever the bot shows by default

if TYPE_CHECKING:
    from bot.core import Bot


class EvalFileError(QuotebotError):
    """An eval file that cannot be read or has a malformed line."""


@dataclass(frozen=True)
class Case:
    """One line of an eval file."""

    line: int
    kind: str
    question: str
    history: tuple[str, ...] = ()
    gold: str | None = None
    source: str | None = None
    """The transcript the question is asked of (the source filter), for a set over many."""


@dataclass(frozen=True)
class Outcome:
    """What the bot did with one case."""

    case: Case
    answered: bool
    rank: int | None  # 1-based rank of the first quote holding the gold span, None if none does
    highlighted: bool  # gold span inside the first quote's highlighted sentences
    first_words: int | None
    latency_ms: float

    def to_dict(self) -> dict[str, Any]:
        """What ``eval --json --details`` prints for this case."""
        c = self.case
        return {
            "line": c.line,
            "kind": c.kind,
            "question": c.question,
            "answered": self.answered,
            "rank": self.rank,
            "highlighted": self.highlighted,
        }


@dataclass
class Report:
    """The metrics DESIGN.md names, and the outcomes they come from."""

    outcomes: list[Outcome] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        answerable = [o for o in self.outcomes if o.case.kind != "unanswerable"]
        unanswerable = [o for o in self.outcomes if o.case.kind == "unanswerable"]
        words = [o.first_words for o in answerable if o.first_words is not None]

        def share(items: list[Outcome], test: Callable[[Outcome], bool]) -> float | None:
            return round(sum(map(test, items)) / len(items), 4) if items else None

        return {
            "questions": len(self.outcomes),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            "hit@1": share(answerable, lambda o: o.rank is not None and o.rank <= 1),
            "hit@3": share(answerable, lambda o: o.rank is not None and o.rank <= 3),
            "hit@5": share(answerable, lambda o: o.rank is not None and o.rank <= 5),
            "mrr": round(statistics.fmean(1 / o.rank if o.rank else 0.0 for o in answerable), 4)
            if answerable
            else None,
            "highlight@1": share(answerable, lambda o: o.highlighted),
            "answered_rate": share(answerable, lambda o: o.answered),
            "declined_rate": share(unanswerable, lambda o: not o.answered),
            "median_first_quote_words": statistics.median(words) if words else None,
            "median_latency_ms": round(statistics.median(o.latency_ms for o in self.outcomes), 1)
            if self.outcomes
            else None,
        }


def collapse(text: str) -> str:
    return " ".join(text.split())


def load_cases(path: Path) -> list[Case]:
    """Read and check every line of ``path``; a bad line is an error naming its number."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()  # Windows editors add a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"Cannot read the eval file {path}: {exc}.") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{where}: not valid JSON ({exc.msg}).") from None
        if not isinstance(row, dict):
            raise EvalFileError(f"{where}: each line must be a JSON object.")
        kind = row.get("kind", "answer")
        if kind not in KINDS:
            raise EvalFileError(f"{where}: kind must be one of {', '.join(KINDS)}; it is {kind!r}.")
        question = row.get("question")
        if not isinstance(question, str) or not question.strip():
            raise EvalFileError(f'{where}: "question" must be a non-empty string.')
        history = row.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise EvalFileError(f'{where}: "history" must be a list of earlier questions (strings).')
        gold = row.get("gold")
        if kind != "unanswerable" and (not isinstance(gold, str) or not gold.strip()):
            raise EvalFileError(
                f'{where}: a {kind!r} line needs a "gold" string: a verbatim span of the answer.'
            )
        source = row.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            raise EvalFileError(f'{where}: "source" must name an ingested transcript (a string).')
        gold = gold if isinstance(gold, str) else None
        cases.append(Case(number, kind, question, tuple(history), gold, source))
    if not cases:
        raise EvalFileError(f"{path} holds no questions.")
    return cases


def unfindable(cases: Sequence[Case], passages: Iterable[str]) -> list[Case]:
    """The cases whose gold span no passage's text holds: they cannot be a hit."""
    stored = "\x00".join(collapse(text) for text in passages)
    return [c for c in cases if c.gold is not None and collapse(c.gold) not in stored]


def judge(case: Case, answer: Answer, latency_ms: float) -> Outcome:
    """Score one answer: where the gold span is first quoted, and whether it is highlighted."""
    rank = None
    highlighted = False
    if case.gold is not None:
        gold = collapse(case.gold)
        rank = next((i for i, q in enumerate(answer.quotes, 1) if gold in collapse(q.text)), None)
        if answer.quotes:
            highlighted = any(gold in collapse(h) for h in answer.quotes[0].highlight) or gold in collapse(
                " ".join(answer.quotes[0].highlight)
            )
    first_words = len(answer.quotes[0].text.split()) if answer.quotes else None
    return Outcome(case, answer.answered, rank, highlighted, first_words, latency_ms)


def asking(bot: Bot) -> Callable[[Case], Answer]:
    """How ``bot`` answers a case: with its history, of its source if it names one, k quotes."""

    def ask(case: Case) -> Answer:
        return bot.ask(case.question, case.history, k=EVAL_K, sources=[case.source] if case.source else None)

    return ask


def run_eval(ask: Callable[[Case], Answer], cases: Sequence[Case]) -> Report:
    """Ask every case through ``ask`` (see :func:`asking`) and judge the answers."""
    report = Report()
    for case in cases:
        start = time.perf_counter()
        try:
            answer = ask(case)
        except EmptyQuestionError:
            # A question the bot will not search ("Why?" with nothing before it) is declined.
            answer = Answer(case.question, False, ())
        report.outcomes.append(judge(case, answer, (time.perf_counter() - start) * 1000))
    return report


def metrics_table(metrics: dict[str, Any]) -> str:
    """The human form of ``metrics``: one metric a line, aligned."""

    def show(value: Any) -> str:
        if value is None:
            return "n/a"
        if isinstance(value, float) and value <= 1.0:
            return f"{value:.3f}"
        return str(value)

    width = max(map(len, metrics))
    return "\n".join(f"{name.ljust(width)}  {show(value)}" for name, value in metrics.items())
