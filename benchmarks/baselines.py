"""quotebot against the standard recipes, on the same questions and the same model.

    pip install -e '.[bench]'
    PYTHONPATH=. python benchmarks/baselines.py STORE [--transcripts DIR] [EVAL.jsonl ...]

STORE must hold the transcripts of DIR only (default: the bundled one, ``quotebot ingest bot/corpus
--store STORE``). Three retrievers answer every eval file (default: tests/eval/*.jsonl), each
quoting its top 5, of the line's ``source`` alone when it names one:

- ``langchain``: the tutorial recipe: each transcript file's text cut by LangChain's
  RecursiveCharacterTextSplitter (1000 characters, 200 overlap), nearest chunks by cosine;
- ``paragraphs``: one passage per answer paragraph (as quotebot cuts the bundled interview),
  nearest by cosine only;
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
from bot.bundled import bundled_corpus
from bot.evaluate import EVAL_K, Case, asking, collapse, load_cases, run_eval
from ingest import DEFAULT_MAX_TOKENS, SUPPORTED_SUFFIXES
from ingest.chunk import split_paragraph
from ingest.read import read_document
from ingest.transcript import parse_transcript

ROOT = Path(__file__).parent.parent
EVAL = ROOT / "tests" / "eval"
Search = Callable[[str, str | None], list[str]]  # (question, source or None) -> the top texts


def dense_search(texts: dict[str, list[str]], bot: Bot) -> Search:
    """Cosine search with the bot's model over the texts of every source, or of one."""
    names = [name for name, found in texts.items() for _ in found]
    flat = [text for found in texts.values() for text in found]
    vectors = bot.embedder.embed(flat)

    def search(question: str, source: str | None) -> list[str]:
        scores = vectors @ bot.embedder.embed([question])[0]
        order = [i for i in np.argsort(-scores) if source is None or names[i] == source]
        return [flat[i] for i in order[:EVAL_K]]

    return search


def paragraphs(bot: Bot, transcripts: Sequence[Path]) -> dict[str, list[str]]:
    """Each transcript's answer paragraphs, one passage each (long ones cut as quotebot cuts them)."""
    found: dict[str, list[str]] = {}
    for path in transcripts:
        doc = read_document(path)
        for para in parse_transcript(doc).paragraphs:
            text = doc.text[para.start : para.end]
            pieces = split_paragraph(text, DEFAULT_MAX_TOKENS, bot.embedder.fits)
            found.setdefault(doc.source, []).extend(text[a:b] for a, b in pieces)
    return found


def measure(search: Search, cases: Sequence[Case]) -> str:
    """hit@1 / hit@3 / median first-quote words over the answerable ``cases``."""
    ranks, words = [], []
    for case in cases:
        if case.gold is None:
            continue
        # The recipes have no history: a follow-up is asked together with what it follows.
        found = search(" ".join([*case.history, case.question]), case.source)
        gold = collapse(case.gold)
        ranks.append(next((i for i, text in enumerate(found) if gold in collapse(text)), None))
        words.append(len(found[0].split()))
    hit = lambda k: sum(r is not None and r < k for r in ranks) / len(ranks)  # noqa: E731
    return f"{hit(1):.3f} / {hit(3):.3f} / {statistics.median(words):g}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("files", type=Path, nargs="*", help="eval files (default: tests/eval/*.jsonl)")
    parser.add_argument("--transcripts", type=Path, default=bundled_corpus(), help="the transcripts in STORE")
    args = parser.parse_args()
    bot = Bot(Settings(store=args.store))
    bot.warm_up()
    transcripts = [p for p in sorted(args.transcripts.iterdir()) if p.suffix.lower() in SUPPORTED_SUFFIXES]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = {path.name: splitter.split_text(read_document(path).text) for path in transcripts}
    recipes = {
        "langchain": dense_search(chunks, bot),
        "paragraphs": dense_search(paragraphs(bot, transcripts), bot),
    }
    print("hit@1 / hit@3 / median first-quote words (answered / declined for quotebot)")
    for file in args.files or sorted(EVAL.glob("*.jsonl")):
        cases = load_cases(file)
        print(f"\n{file.name}")
        for name, search in recipes.items():
            print(f"  {name:11s} {measure(search, cases)}")
        m = run_eval(asking(bot), cases).metrics()
        declined = "n/a" if m["declined_rate"] is None else f"{m['declined_rate']:.3f}"  # none unanswerable
        print(
            f"  {'quotebot':11s} {m['hit@1']:.3f} / {m['hit@3']:.3f} / {m['median_first_quote_words']:g}"
            f"   ({m['answered_rate']:.3f} / {declined})"
        )


if __name__ == "__main__":
    main()
