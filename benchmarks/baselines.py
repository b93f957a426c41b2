"""quotebot against the standard recipes, on the same questions and the same model.

    pip install -e '.[bench]'
    PYTHONPATH=. python benchmarks/baselines.py STORE [EVAL.jsonl ...]

STORE must hold the bundled transcript only (``quotebot ingest corpus --store STORE``). Three
retrievers answer every eval file (default: tests/eval/*.jsonl), each quoting its top 5:

- ``langchain``: the tutorial recipe: the transcript file's text cut by LangChain's
  RecursiveCharacterTextSplitter (1000 characters, 200 overlap), nearest chunks by cosine;
- ``paragraphs``: quotebot's passages (one per answer paragraph), nearest by cosine only;
- ``quotebot``: the bot itself.

All three use all-MiniLM-L6-v2 and the judge of ``quotebot eval``: a hit is the gold span inside
the quote. The recipes never decline, so only quotebot has an answered/declined column.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot import Bot, Settings
from bot.evaluate import EVAL_K, Case, asking, collapse, load_cases, run_eval
from ingest.read import read_document

ROOT = Path(__file__).parent.parent
EVAL = ROOT / "tests" / "eval"
TRANSCRIPT = next((ROOT / "corpus").glob("*.txt"))


def dense_search(texts: Sequence[str], bot: Bot) -> Callable[[str], list[str]]:
    """Cosine search over ``texts`` with the bot's model: a question in, the top texts out."""
    vectors = bot.embedder.embed(list(texts))

    def search(question: str) -> list[str]:
        scores = vectors @ bot.embedder.embed([question])[0]
        return [texts[i] for i in np.argsort(-scores)[:EVAL_K]]

    return search


def measure(search: Callable[[str], list[str]], cases: Sequence[Case]) -> str:
    """hit@1 / hit@3 / median first-quote words over the answerable ``cases``."""
    ranks, words = [], []
    for case in cases:
        if case.gold is None:
            continue
        # The recipes have no history: a follow-up is asked together with what it follows.
        found = search(" ".join([*case.history, case.question]))
        gold = collapse(case.gold)
        ranks.append(next((i for i, text in enumerate(found) if gold in collapse(text)), None))
        words.append(len(found[0].split()))
    hit = lambda k: sum(r is not None and r < k for r in ranks) / len(ranks)  # noqa: E731
    return f"{hit(1):.3f} / {hit(3):.3f} / {statistics.median(words):g}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("files", type=Path, nargs="*", help="eval files (default: tests/eval/*.jsonl)")
    args = parser.parse_args()
    bot = Bot(Settings(store=args.store))
    bot.warm_up()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    recipes = {
        "langchain": dense_search(splitter.split_text(read_document(TRANSCRIPT).text), bot),
        "paragraphs": dense_search([p.text for p in bot.store.passages()], bot),
    }
    print("hit@1 / hit@3 / median first-quote words (answered / declined for quotebot)")
    for file in args.files or sorted(EVAL.glob("*.jsonl")):
        cases = load_cases(file)
        print(f"\n{file.name}")
        for name, search in recipes.items():
            print(f"  {name:11s} {measure(search, cases)}")
        m = run_eval(asking(bot), cases).metrics()
        print(
            f"  {'quotebot':11s} {m['hit@1']:.3f} / {m['hit@3']:.3f} / {m['median_first_quote_words']:g}"
            f"   ({m['answered_rate']:.3f} / {m['declined_rate']:.3f})"
        )


if __name__ == "__main__":
    main()
