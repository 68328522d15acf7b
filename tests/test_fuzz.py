"""The fuzz invariants (tests/fuzzing.py) over generated messy exports: 10 folders in
``make test`` (derandomised: the same 10 every run, which between them write every file format
and every form of amount, date and ID number), 500 or more in ``make fuzz`` (``FUZZ_EXAMPLES``,
a fresh random seed each time). Each folder is two whole runs, about a second each."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests.fuzzing import Plan, check_invariants, plans

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
LONG = "FUZZ_EXAMPLES" in os.environ


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plans())
def test_messy_exports_keep_the_invariants(plan: Plan) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        check_invariants(plan, Path(scratch))
