"""Validating a support method: pairs it could not judge are left out of the AUROC and counted, never a 0."""

from __future__ import annotations

import numpy as np

from harness.scorers.judge_methods import SUPPORT_METHODS, MethodResult, support_method
from harness.scorers.support import SupportSpec
from harness.judges.support_eval import _Ctx, method_values


def test_unjudged_pairs_are_nan_not_unsupported():
    @support_method("test-half-judge", measures="answers every other pair")
    def half(claims, task, ctx, spec):
        res = MethodResult()
        for c in claims:
            res.set_pair(c.index, c.evidence[0].key, None if c.index % 2 else True)
        return res

    try:
        pairs = [(f"claim {i}", None, f"source {i}") for i in range(4)]
        v = method_values(SupportSpec(method="test-half-judge"), pairs, _Ctx(None, {}))
        assert v[0] == 1.0 and v[2] == 1.0 and np.isnan(v[1]) and np.isnan(v[3])
    finally:
        SUPPORT_METHODS.remove("test-half-judge")
