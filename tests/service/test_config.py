"""Tests of ``service/config.py``."""

from __future__ import annotations

import pytest

from service.config import DEFAULTS, from_environment, load_or_create_secret_key


def test_environment_is_parsed_to_the_defaults_types():
    env = {"PEERMATCH_PER_PAGE_MAX": "50", "PEERMATCH_AUTO_MIGRATE": "no", "DATABASE_URL": "sqlite://", "OTHER": "x"}
    assert from_environment(env) == {"PEERMATCH_PER_PAGE_MAX": 50, "PEERMATCH_AUTO_MIGRATE": False, "DATABASE_URL": "sqlite://"}


def test_bad_environment_values_are_named():
    with pytest.raises(ValueError, match="PEERMATCH_COHORT_WORKERS"):
        from_environment({"PEERMATCH_COHORT_WORKERS": "two"})


def test_fractional_settings_are_parsed_and_checked():
    assert from_environment({"PEERMATCH_MAIL_POLL_SECONDS": "0.5"}) == {"PEERMATCH_MAIL_POLL_SECONDS": 0.5}
    with pytest.raises(ValueError, match="PEERMATCH_MAIL_POLL_SECONDS must be a number"):
        from_environment({"PEERMATCH_MAIL_POLL_SECONDS": "soon"})


def test_every_default_is_overridable_by_name():
    env = {name: "1" if isinstance(v, (bool, int, float)) else "x" for name, v in DEFAULTS.items()}
    assert set(from_environment(env)) == set(DEFAULTS)


def test_secret_key_created_once(tmp_path):
    a = load_or_create_secret_key(tmp_path)
    b = load_or_create_secret_key(tmp_path)
    assert a == b and len(a) == 64


def test_config_mapping_wins_over_environment(tmp_path, monkeypatch):
    from service import create_app, db

    monkeypatch.setenv("PEERMATCH_PER_PAGE_MAX", "7")
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path)})
    try:
        assert app.config["PEERMATCH_PER_PAGE_MAX"] == 7
    finally:
        db.engine(app).dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path), "PEERMATCH_PER_PAGE_MAX": 9})
    try:
        assert app.config["PEERMATCH_PER_PAGE_MAX"] == 9
    finally:
        db.engine(app).dispose()


def test_every_setting_is_in_the_readme_configuration_table():
    """Each ``PEERMATCH_*`` setting (and the body limit) has a row, by full name or as a
    ``/ `_SUFFIX``` of the row's first name (PEERMATCH_COHORT_SHARE, the heartbeat and
    MAX_CONTENT_LENGTH were missing)."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in text[text.index("## Configuration") :].split("\n## ")[0].splitlines() if line.startswith("| `"))
    named = set(re.findall(r"`([A-Z][A-Z_]+)`", table))
    suffixes = set(re.findall(r"`(_[A-Z_]+)`", table))
    missing = [
        name
        for name in DEFAULTS
        if (name.startswith("PEERMATCH_") or name == "MAX_CONTENT_LENGTH")
        and name not in named
        and not any(name.endswith(sfx) and name[: -len(sfx)].split("_")[0] == "PEERMATCH" for sfx in suffixes)
    ]
    assert missing == []
