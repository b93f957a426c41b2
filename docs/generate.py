"""Write docs/cli.md and docs/configuration.md from the code: run `python docs/generate.py`.

cli.md is the help of `bot.cli._parser()`; configuration.md lists the fields of `bot.settings.Settings`
with the docstring under each. tests/test_docs.py fails when a page differs from what this writes.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
from dataclasses import MISSING, Field, fields
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # run from a checkout, the code beside it is what is documented

from bot.cli import _parser  # noqa: E402
from bot.settings import Settings  # noqa: E402

BAR = "\\|"  # a | in a table cell
WIDTH = 100  # the help's width, whatever the terminal's (COLUMNS), so the pages are the same everywhere
GENERATED = "<!-- Written by docs/generate.py from {}: edit that, then run `python docs/generate.py`. -->\n\n"

CONFIGURATION_INTRO = """\
# Configuration, a Chroma server, where data lives

Every setting is an environment variable, `QUOTEBOT_<FIELD>`; some also have a command-line flag,
which wins over the variable. A variable that is unset or empty leaves the default. A yes-or-no
setting takes `1`, `true`, `yes` or `on`, or `0`, `false`, `no` or `off`. The store's default
folder is `$XDG_DATA_HOME/quotebot/store`, i.e. `~/.local/share/quotebot/store`.
"""

CONFIGURATION_NOTES = """\
## A Chroma server

When one machine is not enough, run a Chroma server and point every quotebot at it:

```sh
chroma run --path /srv/quotebot-chroma --host 127.0.0.1 --port 8000   # comes with the chromadb package
export QUOTEBOT_CHROMA_URL=http://127.0.0.1:8000
quotebot ingest transcripts/        # every client sees the same passages
quotebot serve
```

Embeddings are still computed locally by each quotebot with the bundled model; the server
stores them and the passages.

## Where data lives

- The store is one folder (`QUOTEBOT_STORE`): a Chroma database holding the passages, their
  embeddings and their provenance. It records the embedding model; a store built with another
  model is refused with instructions to rebuild it. Delete the folder to start over.
- Nothing is downloaded at run time; nothing leaves the machine. The chat listens on 127.0.0.1
  unless you pass `--host`; it never opens a public share link.
- A transcript uploaded in the browser is checked on the server (at most 20 MB; its type is
  judged by its content, so a renamed PDF or image is refused), ingested like `quotebot ingest`
  would, and searchable at once. Only its file name is kept; the browser never sees a path.
  Each transcript's card in the sources panel has a Remove link, which asks to confirm and then
  does what `quotebot remove` does.
- **This one answers** and **None of these** under the chat's answers append lines to
  `marked.jsonl` in the store's folder (for a Chroma server, in this machine's cache folder for
  it, beside its saved indexes): your own eval set, which `quotebot eval marked` measures (see
  [evaluation.md](evaluation.md)).
"""


def _help(parser: argparse.ArgumentParser) -> str:
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH)
    parser.color = False  # type: ignore[attr-defined]  # Python 3.14 colours help on a terminal
    return parser.format_help()


def cli_md() -> str:
    parser = _parser()
    page = f"{GENERATED.format('bot/cli.py')}# The `{parser.prog}` command\n\n{parser.description}\n\n"
    page += f"```\n{_help(parser)}```\n"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action._choices_actions:
                sub, summary = action.choices[command.dest], command.help or ""
                page += f"\n## `{sub.prog}`\n\n{summary[:1].upper()}{summary[1:]}.\n\n```\n{_help(sub)}```\n"
    return page


def _docstrings() -> dict[str, str]:
    """Each field's docstring: the string right under it in the source of Settings."""
    body = ast.parse(inspect.getsource(Settings)).body[0].body  # type: ignore[attr-defined]
    found = {}
    for field, after in zip(body, [*body[1:], None], strict=True):
        named = isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
        if named and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            found[field.target.id] = " ".join(str(after.value.value).split())  # type: ignore[union-attr]
    return found


def _flags() -> dict[str, str]:
    """Each option of the command by the name it is stored under, e.g. "port": "serve --port"."""
    found: dict[str, str] = {}

    def walk(parser: argparse.ArgumentParser, command: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{command}{name} ")
            elif action.option_strings:
                found.setdefault(action.dest, command + action.option_strings[-1])

    walk(_parser(), "")
    return found


def _default(field: Field) -> str:
    if field.default_factory is not MISSING:
        return f"`{field.default_factory.__name__}()`"  # type: ignore[attr-defined]
    value = field.default
    if value is None:
        return "unset"
    return f"`{int(value) if isinstance(value, bool) else value}`"


def configuration_md() -> str:
    docs, flags = _docstrings(), _flags()
    rows = [
        f"| `QUOTEBOT_{f.name.upper()}` | {f'`{flags[f.name]}`' if f.name in flags else ''} | "
        f"{_default(f)} | {docs.get(f.name, '').replace('|', BAR)} |"
        for f in fields(Settings)
    ]
    table = "\n".join(["| variable | flag | default | what it does |", "|---|---|---|---|", *rows])
    return (
        f"{GENERATED.format('bot/settings.py')}{CONFIGURATION_INTRO}\n## Settings\n\n{table}\n\n"
        f"{CONFIGURATION_NOTES}"
    )


PAGES = {"cli.md": cli_md, "configuration.md": configuration_md}

if __name__ == "__main__":
    for name, write in PAGES.items():
        (DOCS / name).write_text(write(), encoding="utf-8")
        print(f"wrote docs/{name}")
