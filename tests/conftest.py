"""The fixtures every test module may ask for, and the banners for a workbook LibreOffice did
not open and a page no browser opened. What the tests build their inputs from is in
tests/builders.py.

The sample run: ``sample_data/`` reconciled once per session (December 2021, no options), into
a folder of its own. ``sample_reconciled`` is its result, ``sample_outputs`` the output folder
and ``sample_workbook`` the workbook in it. They are shared: a test that changes a file copies
it first, and a test that needs other options (``--mask``, ``--password``, another period, a
fault) makes a run of its own.

Every workbook of the tests is made "at" SOURCE_DATE_EPOCH (set here unless the environment
sets it), as reproducible builds do: its 编制日期 and created time, and so its bytes and the
golden dumps, do not depend on when the tests run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import results, run
from tests.builders import PARAMETER_SHEETS, SAMPLE, write_xlsx

# A red banner per module whose skips mean a program outside Python did not check the outputs.
UNCHECKED = {
    "tests/test_libreoffice.py": "the workbook was NOT opened in LibreOffice",
    "tests/test_browser.py": "the page was NOT opened in a browser",
}
MADE_AT = "1641376800"  # 2022-01-05 10:00 UTC, a few days after the sample's period
os.environ.setdefault("SOURCE_DATE_EPOCH", MADE_AT)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A red banner when a test of a module in UNCHECKED skipped: a skip is easy to miss."""
    reasons: dict[str, set[str]] = {}
    for report in terminalreporter.stats.get("skipped", []):
        module = report.nodeid.split("::")[0]
        if module not in UNCHECKED:
            continue
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons.setdefault(module, set()).add(reason.removeprefix("Skipped: "))
    for module, said in reasons.items():
        terminalreporter.write_sep("!", f"WARNING: {UNCHECKED[module]}", red=True, bold=True)
        for reason in sorted(said):
            terminalreporter.write_line(reason, red=True, bold=True)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An input folder that already holds a valid parameters workbook."""
    write_xlsx(tmp_path / "参数.xlsx", PARAMETER_SHEETS)
    return tmp_path


@pytest.fixture(scope="session")
def _sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[results.Reconciled, Path]:
    out = tmp_path_factory.mktemp("sample-outputs")
    return run.reconcile(results.Config(SAMPLE, out)), out


@pytest.fixture(scope="session")
def sample_reconciled(_sample_run: tuple[results.Reconciled, Path]) -> results.Reconciled:
    """What the sample run computed: tables, findings, figures, indicators, 对账明细."""
    return _sample_run[0]


@pytest.fixture(scope="session")
def sample_outputs(_sample_run: tuple[results.Reconciled, Path]) -> Path:
    """The sample run's output folder: the workbook, summary.json, exceptions.csv and the run
    history."""
    return _sample_run[1]


@pytest.fixture(scope="session")
def sample_workbook(sample_outputs: Path) -> Path:
    return sample_outputs / "帮扶资金对账_2021-12.xlsx"
