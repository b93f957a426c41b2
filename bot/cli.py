"""The `quotebot` command: a thin layer over Bot that prints results or one clean error."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bot.core import Bot
from bot.evaluate import asking, load_cases, metrics_table, run_eval, unfindable
from bot.export import CSV_COLUMNS, markdown_section, to_csv, to_markdown, write_csv
from bot.handover import send_ingest, send_remove
from bot.marks import MARKED, marked_file
from bot.render import UNATTRIBUTED, answer_text, counted
from bot.settings import Settings, check_top_k
from ingest.errors import QuotebotError

logger = logging.getLogger(__name__)

_EXPORTS = {"md": to_markdown, "csv": to_csv}  # `ask --format` exports, written as bot/export.py makes them


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        if getattr(args, "k", None) is not None:
            check_top_k(args.k, "-k")
        settings = Settings.from_env(
            store=args.store,
            chroma_url=args.chroma_url,
            top_k=getattr(args, "k", None),
            mcp=getattr(args, "mcp", None),
        )
        return int(args.run(Bot(settings), args) or 0)
    except QuotebotError as exc:
        print(f"quotebot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped early (`quotebot sources --json | head`); so do we, quietly. Output
        # still buffered would raise again at exit, so it goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug or a broken store: one sentence, and the cause where asked
        logger.info("quotebot failed", exc_info=True)
        print(
            f"quotebot: something went wrong ({type(exc).__name__}: {exc}). Nothing else was changed; "
            "run the command again with --verbose to see where, and report it if it persists.",
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quotebot",
        description="Ask questions of interview transcripts; get verbatim, cited quotes.",
    )
    parser.add_argument(
        "--store", type=Path, help="store folder (default: $QUOTEBOT_STORE or ~/.local/share/quotebot/store)"
    )
    parser.add_argument(
        "--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 ($QUOTEBOT_CHROMA_URL)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add transcript files or folders to the store")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.set_defaults(run=_ingest)

    p = sub.add_parser("ask", help="quote the passages that answer a question")
    p.add_argument("question", nargs="?", help="the question (omit with --jsonl)")
    p.add_argument("-k", type=int, help="number of quotes (1-10, default 3)")
    p.add_argument(
        "--history", action="append", default=[], metavar="EARLIER", help="an earlier question (repeatable)"
    )
    p.add_argument(
        "--source", action="append", dest="sources", metavar="SOURCE", help="only this source (repeatable)"
    )
    p.add_argument(
        "--speaker", action="append", dest="speakers", metavar="NAME", help="only this speaker (repeatable)"
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "md", "csv"),
        metavar="FORMAT",
        help="text (default), json, md (Markdown) or csv: see docs/export.md",
    )
    form = p.add_mutually_exclusive_group()
    form.add_argument(
        "--json", action="store_const", const="json", dest="format", help="the same as --format json"
    )
    form.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"question", "history"} lines on stdin, print one JSON answer per line '
        "(with --format md or csv: a section or rows per question)",
    )
    p.set_defaults(run=_ask, format="text")

    p = sub.add_parser("eval", help="measure the answers against a JSONL file of questions with gold spans")
    p.add_argument(
        "file",
        metavar="FILE.jsonl",
        help=f"the questions; `{MARKED}` (a bare name, no .jsonl) is those marked in the chat, kept "
        f"in the store's folder as {MARKED}.jsonl (see docs/evaluation.md)",
    )
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument(
        "--details", action="store_true", help="also list each question with where its gold span ranked"
    )
    p.set_defaults(run=_eval)

    p = sub.add_parser("sources", help="list the ingested transcripts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_sources)

    p = sub.add_parser("remove", help="delete one source's passages from the store")
    p.add_argument("source")
    p.set_defaults(run=_remove)

    p = sub.add_parser("serve", help="serve the chat in the browser")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument(
        "--mcp",
        action="store_true",
        default=None,
        help="also serve the quote tool to other assistants over MCP, at /gradio_api/mcp/ "
        "(needs quotebot[mcp]; $QUOTEBOT_MCP; see docs/mcp.md)",
    )
    p.set_defaults(run=_serve)
    return parser


def _ingest(bot: Bot, args: argparse.Namespace) -> int:
    held = bot.store.held_by()
    if held:
        print(f"quotebot: the chat at {held} holds this store; sending the files to it", file=sys.stderr)
        report, stored = send_ingest(held, args.paths, bot.settings.credentials)
        where = f"the chat at {held}"
    else:
        report = bot.ingest(args.paths, progress=sys.stderr.isatty())
        stored, where = bot.store.count(), str(bot.store.location)
    for name in report.added:
        print(f"added      {name}")
    for name in report.replaced:
        print(f"replaced   {name}")
    for name in report.unchanged:
        print(f"unchanged  {name}")
    for name, why in report.skipped:
        print(f"skipped    {name}: {why}")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for _, why in report.failed:
        print(f"quotebot: {why}", file=sys.stderr)
    written = counted(report.passages, "passage")
    print(f"{written} written; the store holds {stored} at {where}")
    return 1 if report.failed else 0


def _ask(bot: Bot, args: argparse.Namespace) -> int:
    if args.jsonl:
        if args.question:
            raise QuotebotError("Give the question on the command line or use --jsonl, not both.")
        return _ask_lines(bot, args)
    if args.question is None:
        raise QuotebotError('Give a question: quotebot ask "What does Lavrov think about sanctions?"')
    bot.embedder.preload()  # while the store's indexes load
    answer = bot.ask(
        args.question, history=args.history, k=args.k, sources=args.sources, speakers=args.speakers
    )
    if args.format in _EXPORTS:
        sys.stdout.write(_EXPORTS[args.format]([answer]))
    elif args.format == "json":
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer_text(answer))
    return 0


def _ask_lines(bot: Bot, args: argparse.Namespace) -> int:
    """One answer per line on stdin: a JSON line each, or with --format md a section each and with
    --format csv one header, then its rows; there a line's error goes to stderr, not into the export."""
    failures = sections = 0
    bot.embedder.preload()
    if args.format == "csv":
        csv.writer(sys.stdout).writerow(CSV_COLUMNS)
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            question, history, k = _request(line)
            answer = bot.ask(
                question, history=history, k=k or args.k, sources=args.sources, speakers=args.speakers
            )
            if args.format == "csv":
                write_csv(sys.stdout, [answer])
            elif args.format == "md":
                print(("\n" if sections else "") + markdown_section(answer))
                sections += 1
            else:
                print(json.dumps(answer.to_dict(), ensure_ascii=False))
            sys.stdout.flush()
        except QuotebotError as exc:
            failures += 1
            if args.format in _EXPORTS:
                print(f"quotebot: line {number}: {exc}", file=sys.stderr)
            else:
                print(json.dumps({"line": number, "error": str(exc)}, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def _request(line: str) -> tuple[str, list[str], int | None]:
    """The question, history and k of one ``--jsonl`` line; an error says which field is wrong."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise QuotebotError(f"not valid JSON ({exc.msg} at column {exc.colno}).") from None
    if not isinstance(row, dict) or not isinstance(row.get("question"), str):
        raise QuotebotError('each line must be a JSON object with a "question" string.')
    history = row.get("history")
    if history is None:
        history = []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise QuotebotError(
            f'"history" must be a list of earlier questions (strings); it is {json.dumps(history)}.'
        )
    k = row.get("k")
    return row["question"], history, None if k is None else check_top_k(k, '"k"')


def _eval(bot: Bot, args: argparse.Namespace) -> int:
    args.file = _eval_file(bot, args.file)
    cases = load_cases(args.file)
    if bot.store.count() == 0:
        raise QuotebotError(f"The store at {bot.store.location} is empty: run `quotebot ingest PATH` first.")
    bot.warm_up()
    index = bot.store.derived()  # loaded by the warm-up: every passage, without reading them again
    if missing := sorted({c.source for c in cases if c.source and c.source not in index.source_names}):
        raise QuotebotError(
            f"{args.file} asks of sources the store does not hold: {', '.join(missing)}. "
            'Ingest them first, or remove their "source".'
        )
    for case in unfindable(cases, index.passages.texts()):
        print(
            f"warning: {args.file}, line {case.line}: no ingested passage holds its gold span, so it "
            "counts as a miss whatever the answer; check the span against the transcript.",
            file=sys.stderr,
        )
    report = run_eval(asking(bot), cases)
    metrics = report.metrics()
    if args.json:
        if args.details:
            metrics["details"] = [o.to_dict() for o in report.outcomes]
        print(json.dumps(metrics, ensure_ascii=False))
        return 0
    print(metrics_table(metrics))
    if args.details:
        print()
        for o in report.outcomes:
            got = "declined" if not o.answered else "answered"
            where = f"gold at {o.rank}" if o.rank else ("no gold" if o.case.gold else "")
            mark = " highlighted" if o.highlighted else ""
            print(f"{o.case.line:>4} {o.case.kind:<12} {got:<8} {where:<10}{mark:<12} {o.case.question}")
    return 0


def _eval_file(bot: Bot, given: str) -> Path:
    """The eval file ``given`` names: a path as given, or for a bare name that is no file here
    (``marked``, not ``./marked`` nor ``marked.jsonl``), that name's .jsonl in the store's folder,
    where the chat keeps its marks."""
    if not given or any(sep in given for sep in ("/", os.sep)) or Path(given).suffix or Path(given).exists():
        return Path(given)
    path = marked_file(bot.store, given)
    if not path.exists():
        raise QuotebotError(
            f"No file {given} here, and no {path.name} in the store's folder ({path.parent})"
            + (
                ": no question has been marked in the chat yet. Mark one with “This one answers” or "
                "“None of these” under an answer."
                if given == MARKED
                else "."
            )
        )
    return path


def _sources(bot: Bot, args: argparse.Namespace) -> int:
    infos = bot.sources()
    if args.json:
        print(json.dumps([asdict(i) for i in infos], ensure_ascii=False, indent=2))
        return 0
    if not infos:
        print(f"The store at {bot.store.location} is empty: run `quotebot ingest PATH`.")
    for i in infos:
        speakers = ", ".join(i.speakers) or UNATTRIBUTED
        print(
            f"{i.source}\n    {i.title} · {i.date or 'undated'} · {speakers} · "
            + counted(i.passages, "passage")
        )
    return 0


def _remove(bot: Bot, args: argparse.Namespace) -> int:
    held = bot.store.held_by()
    removed = send_remove(held, args.source, bot.settings.credentials) if held else bot.remove(args.source)
    print(f"removed {args.source} ({counted(removed, 'passage')})")
    return 0


def _serve(bot: Bot, args: argparse.Namespace) -> int:
    from bot.chat import serve

    serve(bot, host=args.host, port=args.port)
    return 0
