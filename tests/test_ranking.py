"""The ranking model is data: the shipped file loads, a bad one is refused with a clear error."""

import json
from dataclasses import asdict, replace

import pytest

from bot.fusion import FEATURES
from bot.ranking import RankingModel
from bot.settings import Settings
from ingest.errors import QuotebotError


def _write(tmp_path, **changes):
    data = {**asdict(RankingModel.load()), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / "ranking.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_shipped_model_weighs_every_signal_and_says_what_it_was_fit_on():
    model = RankingModel.load()
    assert list(model.weights) == list(FEATURES)
    assert model.pool_weight <= 0.0 < model.min_score < 1.0
    assert "fit_weights.py" in model.fitted["by"]


def test_a_model_written_out_reads_back_the_same(tmp_path):
    model = replace(RankingModel.load(), bias=-4.0)
    path = tmp_path / "m.json"
    path.write_text(model.to_json(), encoding="utf-8")
    assert RankingModel.load(path) == model


def test_the_ranking_setting_chooses_another_model(tmp_path, monkeypatch):
    path = _write(tmp_path, min_score=0.5)
    monkeypatch.setenv("QUOTEBOT_RANKING", str(path))
    settings = Settings.from_env()
    assert settings.ranking == path
    assert RankingModel.load(settings.ranking).min_score == 0.5


def test_a_pool_weight_that_would_raise_scores_is_refused(tmp_path):
    with pytest.raises(QuotebotError, match="pool_weight must be 0 or less"):
        RankingModel.load(_write(tmp_path, pool_weight=0.1))


def test_a_model_that_misses_a_signal_or_a_field_says_so(tmp_path):
    weights = {name: 1.0 for name in FEATURES if name != "match"}
    with pytest.raises(QuotebotError, match="must name exactly the signals"):
        RankingModel.load(_write(tmp_path, weights=weights))
    data = asdict(RankingModel.load())
    del data["bias"]
    path = tmp_path / "nobias.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(QuotebotError, match=r"lacks \['bias'\]"):
        RankingModel.load(path)


def test_an_unreadable_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(QuotebotError, match="Cannot read the ranking model"):
        RankingModel.load(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(QuotebotError, match="not valid JSON"):
        RankingModel.load(tmp_path / "bad.json")
