"""Fit the fusion weights, bias and pool weight by logistic regression on tuning files; print them,
and with ``--write FILE`` write them, with the rest of the shipped model, as a ranking model.

    PYTHONPATH=. python benchmarks/fit_weights.py \
        --fit SEED_STORE tests/eval/tuning.jsonl tests/eval/paraphrase.jsonl \
        --pool MID_STORE tests/eval/tuning.jsonl tests/eval/paraphrase.jsonl \
        --pool DISTRACTOR_STORE tests/eval/tuning.jsonl tests/eval/paraphrase.jsonl \
        --check SEED_STORE tests/eval/holdout.jsonl tests/eval/dev.jsonl \
        --write bot/ranking.json

Each ``--fit``/``--pool``/``--check`` names a store and question files asked of it
(``benchmarks/distractors.py`` builds larger stores). The shipped bot/ranking.json came from
the command above, with the seed plus the samples and the February 2021 briefings as MID_STORE
(5,470 passages) and the seed plus the samples and the January–September 2021 briefings as
DISTRACTOR_STORE (35,473).

Every candidate passage of every ``--fit`` answerable question is one example (1 when it holds
the gold span); the candidates of unanswerable questions are all negatives. The logit is then
rescaled so that the best candidate's score is the chance that it holds the answer, on the
``--fit`` and ``--pool`` questions together, with the log of each question's pool beside it: how
much less a match says when more passages could have made it. ``--check`` reports passage-level
hit@1/3 and the score gap between answerable and unanswerable questions on other files.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bot import Bot, Settings
from bot.evaluate import collapse, load_cases
from bot.fusion import FEATURES, fuse
from bot.ranking import RankingModel


@dataclass(frozen=True)
class Example:
    kind: str
    x: np.ndarray  # the candidates' signals, one row each
    y: np.ndarray  # whether each candidate holds the gold span
    pool: int  # how many passages the question could be answered from (0 when none is proposed)


def examples(bot: Bot, file: Path) -> list[Example]:
    out = []
    for case in load_cases(file):
        ranked = bot.rank(case.question, case.history)
        x = np.array([[c.signals[n] for n in FEATURES] for c in ranked])
        gold = collapse(case.gold) if case.gold else None
        y = np.array([bool(gold) and gold in collapse(c.passage.text) for c in ranked])
        out.append(Example(case.kind, x, y, ranked[0].pool if ranked else 0))
    return out


def report(name: str, data: list[Example], weights: dict, bias: float, pool_weight: float) -> None:
    top1 = top3 = 0
    answerable, unanswerable = [], []
    for e in data:
        kind, x, y = e.kind, e.x, e.y
        if not len(x):
            continue
        features = {n: x[:, i] for i, n in enumerate(FEATURES)}
        scores = fuse(features, weights, bias + pool_weight * np.log(e.pool))
        order = np.argsort(-scores)
        if kind == "unanswerable":
            unanswerable.append(scores.max())
            continue
        answerable.append(scores.max())
        top1 += bool(y[order[:1]].any())
        top3 += bool(y[order[:3]].any())
    n = len(answerable)
    print(
        f"{name}: passage hit@1 {top1 / n:.3f} hit@3 {top3 / n:.3f}; lowest answerable top score "
        f"{min(answerable):.3f}, highest unanswerable {max(unanswerable, default=0):.3f}"
    )
    print("   answerable top scores, lowest ten:", np.round(sorted(answerable)[:10], 3).tolist())
    print("   unanswerable top scores:", np.round(sorted(unanswerable, reverse=True), 3).tolist())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", nargs="+", action="append", required=True, metavar=("STORE", "FILE"))
    parser.add_argument("--check", nargs="+", action="append", default=[], metavar=("STORE", "FILE"))
    parser.add_argument(
        "--pool",
        nargs="+",
        action="append",
        default=[],
        metavar=("STORE", "FILE"),
        help="questions asked of a store of another size, to fit how scores fall as the pool grows",
    )
    parser.add_argument("-C", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--write", type=Path, help="write the fitted ranking model (JSON) here")
    args = parser.parse_args()
    shipped = RankingModel.load()
    bots: dict[str, Bot] = {}
    asked_before: dict[tuple[str, str], list[Example]] = {}

    def asked(store: str, files: list[str]) -> list[Example]:
        if store not in bots:
            unpooled = replace(shipped, rerank_depth=1000, pool_weight=0.0)
            bots[store] = Bot(Settings(store=Path(store)), model=unpooled)
        for file in files:
            if (store, file) not in asked_before:
                asked_before[store, file] = examples(bots[store], Path(file))
        return [example for file in files for example in asked_before[store, file]]

    train = [example for store, *files in args.fit for example in asked(store, files)]
    model = LogisticRegression(C=args.C, max_iter=5000).fit(
        np.vstack([e.x for e in train if len(e.x)]), np.concatenate([e.y for e in train])
    )
    # Each candidate's probability of holding the answer understates the chance that the best
    # one does (gold spans share candidates; near-duplicates split the mass), so the logit is
    # rescaled to fit that chance (Platt scaling), with the log of the pool the question is
    # answered from beside it when --pool adds stores of other sizes. The order of one
    # question's candidates is unchanged. A question with no candidate has no best one to scale.
    pooled = train + [example for store, *files in args.pool for example in asked(store, files)]
    calibration = [e for e in pooled if len(e.x)]
    logits = [model.decision_function(e.x) for e in calibration]
    top_logit = np.array([z.max() for z in logits])
    top_right = np.array([bool(e.y[np.argmax(z)]) for e, z in zip(calibration, logits, strict=True)])
    log_pool = np.log([e.pool for e in calibration])
    by_pool = bool(args.pool)
    platt = LogisticRegression(C=100.0).fit(
        np.column_stack([top_logit, log_pool]) if by_pool else top_logit[:, None], top_right
    )
    scale, shift = float(platt.coef_[0][0]), float(platt.intercept_[0])
    pool_weight = round(float(platt.coef_[0][1]), 3) if by_pool else 0.0
    weights = dict(zip(FEATURES, (round(scale * float(w), 2) for w in model.coef_[0]), strict=True))
    bias = round(scale * float(model.intercept_[0]) + shift, 2)
    print("weights", weights, "bias", bias, "pool weight", pool_weight)
    report("fit", train, weights, bias, pool_weight)
    for store, *files in args.pool + args.check:
        for file in files:
            report(f"{Path(store).name}/{Path(file).name}", asked(store, [file]), weights, bias, pool_weight)
    if args.write:
        fitted = {
            **shipped.fitted,
            "by": "benchmarks/fit_weights.py " + " ".join(sys.argv[1:]),
            "date": datetime.date.today().isoformat(),
        }
        refit = replace(shipped, weights=weights, bias=bias, pool_weight=pool_weight, fitted=fitted)
        args.write.write_text(refit.to_json(), encoding="utf-8")
        print("wrote", args.write)


if __name__ == "__main__":
    main()
