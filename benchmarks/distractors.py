"""How retrieval holds up when hundreds of other transcripts of the same genre share the store.

    PYTHONPATH=. python benchmarks/distractors.py STORE [--ingest FOLDER ...] [EVAL.jsonl ...]

Ingests FOLDER(s) into STORE when asked (timed), builds the derived indexes (timed), then runs
every eval file and prints its metrics. Not part of the test suite: ingesting a few hundred
briefings takes tens of minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bot import Bot, Settings
from bot.evaluate import asking, load_cases, run_eval

EVAL = Path(__file__).parent.parent / "tests" / "eval"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("files", type=Path, nargs="*", help="eval files (default: tests/eval/*.jsonl)")
    parser.add_argument("--ingest", type=Path, nargs="*", default=[], help="folders to ingest first")
    args = parser.parse_args()
    bot = Bot(Settings(store=args.store))
    if args.ingest:
        started = time.perf_counter()
        ingested = bot.ingest(args.ingest, progress=True)
        print(f"ingest: {ingested.passages} passages in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    bot.warm_up()
    print(
        f"store: {bot.store.count()} passages from {len(bot.sources())} sources; "
        f"derived indexes built in {time.perf_counter() - started:.1f} s"
    )
    for file in args.files or sorted(EVAL.glob("*.jsonl")):
        report = run_eval(asking(bot), load_cases(file))
        print(file.name, json.dumps(report.metrics()))


if __name__ == "__main__":
    main()
