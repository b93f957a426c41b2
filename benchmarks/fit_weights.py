"""Fit the fusion weights and bias by logistic regression on tuning files; print them.

    PYTHONPATH=. python benchmarks/fit_weights.py \
        --fit SEED_STORE tests/eval/tuning.jsonl tests/eval/paraphrase.jsonl \
        --fit DISTRACTOR_STORE tests/eval/tuning.jsonl \
        --check SEED_STORE tests/eval/holdout.jsonl tests/eval/dev.jsonl \
        --check DISTRACTOR_STORE tests/eval/holdout.jsonl tests/eval/dev.jsonl

Each ``--fit``/``--check`` names a store and question files asked of it; fitting on the seed
store and on a distractor store (``benchmarks/distractors.py`` builds one) together gives
weights that hold up both when the transcripts are few and when they are many.

Every candidate passage of every answerable question is one example (1 when it holds the gold
span); the candidates of unanswerable questions are all negatives. The logit is then rescaled so
that the best candidate's score is the chance that it holds the answer. The fitted weights are
the defaults in bot/settings.py; ``--check`` reports passage-level hit@1/3 and the score gap between
answerable and unanswerable questions on other files, with the weights just fitted.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bot import Bot, Settings
from bot.evaluate import collapse, load_cases
from bot.retrieve import FEATURES, fuse


def examples(bot: Bot, file: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    out = []
    for case in load_cases(file):
        ranked = bot.rank(case.question, case.history)
        x = np.array([[c.signals[n] for n in FEATURES] for c in ranked])
        gold = collapse(case.gold) if case.gold else None
        y = np.array([bool(gold) and gold in collapse(c.passage.text) for c in ranked])
        out.append((case.kind, x, y))
    return out


def report(name: str, data: list[tuple[str, np.ndarray, np.ndarray]], weights: dict, bias: float) -> None:
    top1 = top3 = 0
    answerable, unanswerable = [], []
    for kind, x, y in data:
        scores = fuse({n: x[:, i] for i, n in enumerate(FEATURES)}, weights, bias)
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
    parser.add_argument("-C", type=float, default=1.0, help="inverse regularisation strength")
    args = parser.parse_args()
    bots: dict[str, Bot] = {}

    def asked(store: str, files: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
        if store not in bots:
            bots[store] = Bot(replace(Settings(store=Path(store)), rerank_depth=1000))
        return [example for file in files for example in examples(bots[store], Path(file))]

    train = [example for store, *files in args.fit for example in asked(store, files)]
    x = np.vstack([x for _, x, _ in train])
    y = np.concatenate([y for _, _, y in train])
    model = LogisticRegression(C=args.C, max_iter=5000).fit(x, y)
    # Each candidate's probability of holding the answer understates the chance that the best
    # one does (gold spans share candidates; near-duplicates split the mass), so the logit is
    # rescaled to fit that chance on the same questions (Platt scaling). The order is unchanged.
    top_logit = np.array([model.decision_function(x).max() if len(x) else -10.0 for _, x, _ in train])
    top_right = np.array(
        [bool(len(x)) and bool(y[np.argmax(model.decision_function(x))]) for _, x, y in train]
    )
    platt = LogisticRegression(C=100.0).fit(top_logit[:, None], top_right)
    scale, shift = float(platt.coef_[0][0]), float(platt.intercept_[0])
    weights = dict(zip(FEATURES, (round(scale * float(w), 2) for w in model.coef_[0]), strict=True))
    bias = round(scale * float(model.intercept_[0]) + shift, 2)
    print("weights", weights, "bias", bias)
    report("fit", train, weights, bias)
    for store, *files in args.check:
        for file in files:
            report(f"{Path(store).name}/{Path(file).name}", asked(store, [file]), weights, bias)


if __name__ == "__main__":
    main()
