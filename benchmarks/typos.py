"""Eval questions with a typo in each: how much a slip of the keyboard costs, with and without
spelling correction.

    PYTHONPATH=. python benchmarks/typos.py tests/eval/dev.jsonl ... > typos.jsonl
    quotebot eval typos.jsonl                       # misspelt words corrected (the default)
    QUOTEBOT_SPELLING=0 quotebot eval typos.jsonl   # searched as typed

Each question's longest content word of six letters or more gets one typo, always the same for
the same files: a letter left out, two letters swapped, or a letter doubled. Questions with no
such word are left out. The history of a follow-up is kept as it was.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from ingest.words import STOPWORDS


def typo(word: str, rnd: random.Random) -> str:
    """``word`` with one letter after its first left out, swapped with the next, or doubled."""
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.choice(["drop", "swap", "double"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="EVAL.jsonl")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    for file in args.files:
        for line in file.read_text(encoding="utf-8-sig").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            found = re.findall(r"[A-Za-z]+", row["question"])
            words = [w for w in found if len(w) >= 6 and w.lower() not in STOPWORDS]
            if not words:
                continue
            longest = max(words, key=len)
            row["question"] = row["question"].replace(longest, typo(longest, rnd), 1)
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
