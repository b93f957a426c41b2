"""`quotebot eval`: the file format, the metrics, and floors on the dev set so a regression fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli import run

from bot.evaluate import EVAL_K, EvalFileError, collapse, load_cases, run_eval, unfindable
from ingest import read_passages

EVAL = Path(__file__).parent / "eval"
DEV = EVAL / "dev.jsonl"

# Just under what the bot reaches on tests/eval/dev.jsonl (see the README's retrieval notes).
FLOORS = {
    "hit@1": 0.8,
    "hit@3": 0.95,
    "mrr": 0.88,
    "highlight@1": 0.6,
    "answered_rate": 0.92,
    "declined_rate": 1.0,
}


@pytest.fixture(scope="module")
def dev_metrics(bundled_bot):
    bundled_bot.warm_up()
    return run_eval(lambda q, h: bundled_bot.ask(q, history=h, k=EVAL_K), load_cases(DEV)).metrics()


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_dev_set_floor(dev_metrics, metric):
    assert dev_metrics[metric] >= FLOORS[metric], dev_metrics


def test_dev_set_quotes_are_tight_and_fast(dev_metrics):
    assert dev_metrics["median_first_quote_words"] <= 80
    assert dev_metrics["median_latency_ms"] < 2000
    assert dev_metrics["questions"] == 16 and dev_metrics["unanswerable"] == 3


# Holdout informed the threshold, so it is held to floors too; blind.jsonl never is (see README).
HOLDOUT_FLOORS = {
    "hit@1": 0.85,
    "hit@3": 0.95,
    "highlight@1": 0.75,
    "answered_rate": 0.95,
    "declined_rate": 0.85,
}


def test_holdout_set_floors(bundled_bot):
    cases = load_cases(EVAL / "holdout.jsonl")
    metrics = run_eval(lambda q, h: bundled_bot.ask(q, history=h, k=EVAL_K), cases).metrics()
    assert all(metrics[name] >= floor for name, floor in HOLDOUT_FLOORS.items()), metrics


def test_first_quote_scores_are_calibrated_on_holdout(bundled_bot):
    """A first quote's score is the chance that it holds the answer: the Brier score of those
    chances against what happened on holdout stays low (0.08; 0.25 before the rescaling)."""
    outcomes = []
    for case in load_cases(EVAL / "holdout.jsonl"):
        first = bundled_bot.ask(case.question, history=case.history, k=1).quotes[0]
        outcomes.append((first.score, case.gold is not None and collapse(case.gold) in collapse(first.text)))
    brier = sum((score - held) ** 2 for score, held in outcomes) / len(outcomes)
    assert brier < 0.12, outcomes


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"kind": "answer", "question": "Why?"}', "line 2: a 'answer' line needs a \"gold\" string"),
        ('{"kind": "followup", "question": "Why?", "history": ["x"]}', "line 2: a 'followup' line needs"),
        ('{"kind": "other", "question": "Why?"}', "line 2: kind must be one of"),
        ('{"kind": "answer", "gold": "x"}', 'line 2: "question" must be'),
        ("not json", "line 2: not valid JSON"),
    ],
)
def test_bad_lines_are_named(tmp_path, line, message):
    file = tmp_path / "bad.jsonl"
    file.write_text('{"kind": "unanswerable", "question": "Who won?"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=message):
        load_cases(file)


def test_cli_eval_json_and_errors(tmp_path, bundled_bot):
    store = bundled_bot.settings.store
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(DEV.read_text(encoding="utf-8").splitlines()[-4:]) + "\n", encoding="utf-8")
    result = run(store, "eval", str(small), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert set(metrics) >= {"hit@1", "hit@3", "hit@5", "mrr", "highlight@1", "answered_rate", "declined_rate"}
    assert metrics["declined_rate"] == 1.0 and metrics["hit@1"] == 1.0
    result = run(store, "eval", str(small))
    assert result.returncode == 0 and "hit@1" in result.stdout and "median_latency_ms" in result.stdout
    bad = tmp_path / "bad.jsonl"
    shutil.copy(small, bad)
    with bad.open("a", encoding="utf-8") as f:
        f.write('{"kind": "answer", "question": "Why?"}\n')
    result = run(store, "eval", str(bad))
    assert result.returncode == 1
    assert "line 5" in result.stderr and "gold" in result.stderr and "Traceback" not in result.stderr


def test_cli_eval_reads_a_bom_warns_of_unfindable_gold_and_details_on_stdout(tmp_path, bundled_bot):
    store = bundled_bot.settings.store
    lines = DEV.read_text(encoding="utf-8").splitlines()[-2:]
    lines.append(json.dumps({"kind": "answer", "question": "Who won?", "gold": "words nobody said"}))
    file = tmp_path / "bom.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    warning = (
        f"warning: {file}, line 3: no ingested passage holds its gold span, so it counts as a miss "
        "whatever the answer; check the span against the transcript.\n"
    )
    result = run(store, "eval", str(file), "--json", "--details")
    assert (result.returncode, result.stderr) == (0, warning)
    metrics = json.loads(result.stdout)
    assert metrics["questions"] == 3
    assert [d["line"] for d in metrics["details"]] == [1, 2, 3]
    assert metrics["details"][2] == {
        "line": 3, "kind": "answer", "question": "Who won?", "answered": metrics["details"][2]["answered"],
        "rank": None, "highlighted": False,
    }  # fmt: skip
    result = run(store, "eval", str(file), "--details")
    assert result.returncode == 0 and result.stderr == warning
    assert result.stdout.rstrip().endswith("Who won?") and "hit@1" in result.stdout


def test_a_question_the_bot_refuses_counts_as_declined(bundled_bot, tmp_path):
    path = tmp_path / "refused.jsonl"
    path.write_text('{"kind": "unanswerable", "question": "Why?"}\n', encoding="utf-8")
    report = run_eval(lambda q, h: bundled_bot.ask(q, history=h), load_cases(path))
    assert report.metrics()["declined_rate"] == 1.0


def test_every_press_conference_gold_span_is_in_an_answer_of_its_transcripts(embedder):
    """tests/eval/press: questions over three press conferences, shipped with their transcripts."""
    press = Path(__file__).parent / "eval" / "press"
    passages = [
        p
        for path in sorted((press / "transcripts").glob("0*"))
        for p in read_passages(path, embedder.fits).passages
    ]
    cases = load_cases(press / "questions.jsonl")
    assert len(cases) == 46 and {c.kind for c in cases} == {"answer", "followup", "unanswerable"}
    assert unfindable(cases, (p.text for p in passages)) == []
    # Each gold is the interviewee's: a passage holds it, and no interviewer's question does.
    asked = " ".join(collapse(p.question or "") for p in passages)
    assert not [c.line for c in cases if c.gold and collapse(c.gold) in asked]
