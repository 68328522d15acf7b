"""The rule catalogue R01–R23 in code order, assembled from the rule families."""

from __future__ import annotations

from pipeline.rules import Rule, eligibility, funds, limits, payments, procedure, verification

CATALOGUE: tuple[Rule, ...] = tuple(
    sorted(
        [
            *payments.RULES,
            *eligibility.RULES,
            *limits.RULES,
            *verification.RULES,
            *procedure.RULES,
            *funds.RULES,
        ],
        key=lambda rule: rule.code,
    )
)
