"""The generated reference pages match the code they are generated from."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import ROOT

GENERATOR = ROOT / "docs" / "generate.py"


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", ["cli.md", "configuration.md"])
def test_generated_docs_are_up_to_date(page, monkeypatch):
    monkeypatch.setenv("COLUMNS", "37")  # a narrow terminal changes nothing
    written = (ROOT / "docs" / page).read_text(encoding="utf-8")
    if _generator().PAGES[page]() != written:
        pytest.fail(f"docs/{page} is stale: run python docs/generate.py", pytrace=False)
