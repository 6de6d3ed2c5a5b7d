from datetime import datetime, timedelta
from pathlib import Path

import pytest

from data_access.rules import DEFAULT_RULES_FILE, RulesError, load_rules
from data_access.vocab import STAGES


def test_defaults_are_the_published_table():
    rules = load_rules()
    table = {r.level: (r.label_zh, r.first_response, r.follow_up) for r in rules.risks}
    assert table == {
        "critical": ("一级·红", timedelta(hours=2), timedelta(days=2)),
        "high": ("二级·橙", timedelta(hours=24), timedelta(days=7)),
        "medium": ("三级·黄", timedelta(hours=72), timedelta(days=14)),
        "low": ("四级·蓝", timedelta(days=7), timedelta(days=30)),
    }
    assert rules.stages == STAGES


def test_labels_follow_the_language_in_the_rules_order():
    rules = load_rules()
    assert list(rules.labels("zh").items()) == [("critical", "一级·红"), ("high", "二级·橙"), ("medium", "三级·黄"),
                                                ("low", "四级·蓝")]
    assert rules.labels("en")["low"] == "Level 4 · Blue" == rules.risk("low").label("en")


def test_cutoffs():
    rules = load_rules()
    now = datetime(2022, 6, 30, 18)
    assert rules.first_response_cutoffs(now)["critical"] == datetime(2022, 6, 30, 16)
    assert rules.follow_up_cutoffs(now)["low"] == datetime(2022, 5, 31, 18)


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "rules.toml"
    text = DEFAULT_RULES_FILE.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_changed_file_changes_the_rules(tmp_path):
    rules = load_rules(_variant(tmp_path, "first_response_hours = 2\n", "first_response_hours = 1\n"))
    assert rules.risk("critical").first_response == timedelta(hours=1)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("[risk.low]", "[risk.lowest]", "must define exactly"),
        ("first_response_hours = 2\n", "", "missing first_response_hours"),
        ("follow_up_days = 2\n", 'follow_up_days = "soon"\n', "non-numeric"),
        ("follow_up_days = 2\n", "follow_up_days = -2\n", "positive"),
        ('order = ["reported"', 'order = ["verifying", "reported"', "order must be"),
        ("[risk.critical]", "[risk.critical", "not valid TOML"),
    ],
)
def test_bad_rules_files_are_refused_with_the_reason(tmp_path, old, new, message):
    with pytest.raises(RulesError, match=message):
        load_rules(_variant(tmp_path, old, new))


def test_missing_rules_file(tmp_path):
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "nope.toml")
