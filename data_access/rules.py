"""The case rules, read from one TOML file (``CASE_RULES_FILE``, default the shipped file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from data_access.vocab import RISK_LEVELS, STAGES

DEFAULT_RULES_FILE = Path(__file__).with_name("case_rules.toml")


class RulesError(ValueError):
    """The rules file is missing a value or holds one that makes no sense."""


@dataclass(frozen=True)
class RiskRule:
    level: str
    label_zh: str
    label_en: str
    first_response: timedelta
    follow_up: timedelta

    def label(self, lang: str) -> str:
        """The level's name as the rules file gives it ("一级·红", "Level 1 · Red")."""
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True)
class CaseRules:
    risks: tuple[RiskRule, ...]
    stages: tuple[str, ...]

    def risk(self, level: str) -> RiskRule:
        for rule in self.risks:
            if rule.level == level:
                return rule
        raise KeyError(level)

    def labels(self, lang: str) -> dict[str, str]:
        """Each level's name, most urgent first."""
        return {rule.level: rule.label(lang) for rule in self.risks}

    def first_response_cutoffs(self, as_of: datetime) -> dict[str, datetime]:
        """Per risk level, the report time before which an unanswered case is overdue."""
        return {r.level: as_of - r.first_response for r in self.risks}

    def follow_up_cutoffs(self, as_of: datetime) -> dict[str, datetime]:
        """Per risk level, the last-contact time before which a case is overdue for follow-up."""
        return {r.level: as_of - r.follow_up for r in self.risks}


def load_rules(path: Path | str | None = None) -> CaseRules:
    path = Path(path or DEFAULT_RULES_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"case rules file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"case rules file {path} is not valid TOML: {exc}") from exc

    risk_table = data.get("risk", {})
    if set(risk_table) != set(RISK_LEVELS):
        raise RulesError(
            f"{path}: [risk] must define exactly {', '.join(RISK_LEVELS)}; found {', '.join(risk_table) or 'none'}"
        )
    risks = []
    for level in RISK_LEVELS:
        entry = risk_table[level]
        try:
            hours = float(entry["first_response_hours"])
            days = float(entry["follow_up_days"])
            rule = RiskRule(
                level=level,
                label_zh=str(entry["label_zh"]),
                label_en=str(entry["label_en"]),
                first_response=timedelta(hours=hours),
                follow_up=timedelta(days=days),
            )
        except KeyError as exc:
            raise RulesError(f"{path}: [risk.{level}] is missing {exc.args[0]}") from exc
        except (TypeError, ValueError) as exc:
            raise RulesError(f"{path}: [risk.{level}] has a non-numeric deadline") from exc
        if hours <= 0 or days <= 0:
            raise RulesError(f"{path}: [risk.{level}] deadlines must be positive")
        risks.append(rule)

    stages = tuple(data.get("stages", {}).get("order", STAGES))
    if stages != STAGES:
        raise RulesError(f"{path}: [stages] order must be {', '.join(STAGES)}")
    return CaseRules(risks=tuple(risks), stages=stages)
