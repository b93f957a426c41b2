"""The user's settings: every QUOTEBOT_* variable, read in this one place, with its default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_args, get_type_hints

from ingest import DEFAULT_MAX_TOKENS
from ingest.errors import QuotebotError

MAX_TOP_K = 10


def default_store() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "quotebot" / "store"


@dataclass(frozen=True)
class Settings:
    """Where data lives, how many quotes an answer shows, and where the chat is served.

    Each field can be set by the environment variable ``QUOTEBOT_<FIELD>`` (e.g.
    ``QUOTEBOT_STORE``, ``QUOTEBOT_TOP_K``) or by the CLI flag of the same name.
    """

    store: Path = field(default_factory=default_store)
    """Folder of the embedded Chroma store."""
    chroma_url: str | None = None
    """A Chroma server (http://host:port) to use instead of the embedded store."""
    top_k: int = 3
    """How many quotes an answer shows."""
    spelling: bool = True
    """Whether misspelt question words are corrected before searching (see vectorstore/spelling.py)."""
    max_tokens: int = DEFAULT_MAX_TOKENS
    """Longest passage, in cl100k tokens, that ingestion cuts."""
    ranking: Path | None = None
    """A ranking model (JSON) to use instead of the one shipped, for experiments; see bot/ranking.py."""
    host: str = "127.0.0.1"
    """Address the chat listens on; anything but the loopback serves it to the network."""
    port: int = 7860
    """Port the chat listens on."""
    mcp: bool = False
    """Whether the chat also serves `quote`, a tool for other assistants, over MCP (docs/mcp.md)."""
    auth: str | None = field(default=None, repr=False)
    """"user:password" the browser must give (basic login); set it when serving beyond 127.0.0.1."""

    def __post_init__(self) -> None:
        check_top_k(self.top_k, "top_k")
        if self.max_tokens < 16:
            raise QuotebotError(f"max_tokens must be at least 16; it is {self.max_tokens}.")
        if self.auth is not None and not all(self.auth.partition(":")[::2]):
            raise QuotebotError('QUOTEBOT_AUTH must look like "user:password" (both non-empty).')

    @property
    def credentials(self) -> tuple[str, str] | None:
        """The login as (user, password), or None when none is required."""
        if not self.auth:
            return None
        user, _, password = self.auth.partition(":")
        return user, password

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ``QUOTEBOT_*`` variables, then non-None ``overrides``."""
        values: dict[str, Any] = {}
        hints = get_type_hints(cls)
        for f in fields(cls):
            raw = os.environ.get(f"QUOTEBOT_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = next(t for t in get_args(hints[f.name]) or (hints[f.name],) if t is not type(None))
            values[f.name] = _convert(f.name, raw, kind)
        base = cls(**values)
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def check_top_k(k: object, name: str) -> int:
    """``k`` if it is a number of quotes an answer can show, 1 to 10; else an error naming
    ``name``, the setting, flag or field it was given as."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_TOP_K:
        raise QuotebotError(f"{name} must be a whole number from 1 to {MAX_TOP_K}; it is {k!r}.")
    return k


def _convert(name: str, raw: str, kind: type) -> Any:
    try:
        if issubclass(kind, Path):
            return Path(raw).expanduser()
        if kind is bool:
            return _BOOLEANS[raw.strip().lower()]
        if kind in (int, float):
            return kind(raw)
        return raw
    except (ValueError, KeyError):
        expected = "1 or 0 (true or false)" if kind is bool else f"a valid {kind.__name__}"
        raise QuotebotError(f"QUOTEBOT_{name.upper()}={raw!r} is not {expected}.") from None


_BOOLEANS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}
