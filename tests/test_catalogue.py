"""Every rule code of the catalogue is R01–R23 once, documented in the README (with what 金额 and
比较金额 of its findings mean), and exercised by a rule test module."""

from __future__ import annotations

from pathlib import Path

from pipeline.rules.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent


def test_the_catalogue_is_r01_to_r23_once_each() -> None:
    assert [rule.code for rule in CATALOGUE] == [f"R{n:02d}" for n in range(1, 24)]
    assert {rule.severity for rule in CATALOGUE} <= {"错误", "警告", "提示"}


def test_every_rule_is_documented_and_tested() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_rules_*.py"))
    for rule in CATALOGUE:
        assert f"| {rule.code} |" in readme, rule.code
        assert f'"{rule.code}"' in tests, rule.code


def test_the_readme_row_of_every_rule_says_what_its_amounts_mean() -> None:
    rows = {
        line.split(" | ")[0].removeprefix("| "): line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| R")
    }
    for rule in CATALOGUE:
        assert rule.amount and rule.compared, rule.code
        assert rows[rule.code].endswith(f" | {rule.amount} | {rule.compared} |"), rule.code
