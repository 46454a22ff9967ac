"""The `signals` support method: its signals, its fit, its committed weights, and a rebuild that reproduces them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.scorers import support_signals as sg
from harness.scorers.judge_methods import SUPPORT_METHODS, Claim, Evidence

REPO = Path(__file__).resolve().parents[2]


def test_negation_direction_and_numbers_are_seen():
    assert sg.negated("Vitamin D does not reduce fractures") and not sg.negated("Vitamin D reduces fractures")
    assert sg.negated("The drug failed to improve survival")
    assert sg.direction("Exercise increases insulin sensitivity") == 1
    assert sg.direction("Exercise lowers insulin sensitivity") == -1
    assert sg.direction("Exercise does not increase insulin sensitivity") == -1  # negation flips it
    assert sg.direction("Exercise and insulin sensitivity") == 0
    assert sg.numbers("In 1,000 patients, 30.5% responded within 30 minutes") == {"1000", "30.5", "30"}


def test_contradicting_claims_get_conflict_signals(ctx):
    abstract = ("We studied 1,200 adults. Daily exercise increased insulin sensitivity by 20 percent. "
                "No adverse events were seen.")
    pairs = [("Daily exercise increases insulin sensitivity.", "Exercise trial", abstract),
             ("Daily exercise decreases insulin sensitivity.", "Exercise trial", abstract),
             ("Insulin sensitivity rose by 45 percent with exercise.", "Exercise trial", abstract)]
    x = sg.features(pairs, ctx.embedder())
    f = {n: x[:, i] for i, n in enumerate(sg.FEATURES)}
    assert f["dir_conflict"].tolist() == [0.0, 1.0, 0.0] and f["dir_agree"][0] == 1.0
    assert f["num_missing"].tolist() == [0.0, 0.0, 1.0]  # 45 is not in the abstract; the others state none
    assert f["cos_max"][0] > f["cos_doc"][0] - 0.5  # sentence-level closeness is computed


def test_the_fit_is_deterministic_and_separates_separable_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] - 0.5 * x[:, 2] > 0).astype(float)
    w1, b1 = sg.fit_logistic(x, y, l2=1.0)
    w2, b2 = sg.fit_logistic(x, y, l2=1.0)
    assert np.array_equal(w1, w2) and b1 == b2
    p = 1 / (1 + np.exp(-(x @ w1 + b1)))
    assert ((p > 0.5) == (y == 1)).mean() > 0.95 and w1[0] > 0 > w1[2]


def test_the_committed_weights_load_and_the_method_is_registered(ctx):
    model = sg.load_model()
    assert model.features == sg.FEATURES and 0.0 < model.threshold < 1.0
    assert set(model.meta["test_auroc"]) >= {"scifact", "check-covid", "irrelevant"}
    assert sg.MODEL_FILE.stat().st_size < 10_000_000
    m = SUPPORT_METHODS.get("signals")
    abstract = "Daily exercise increased insulin sensitivity in 1,200 adults."
    claims = [Claim(0, "Daily exercise increases insulin sensitivity.", False, [Evidence("a", "Trial", abstract)]),
              Claim(1, "Gravitational waves come from neutron star mergers.", False, [Evidence("a", "Trial", abstract)])]
    res = m.fn(claims, None, ctx, None)
    assert res.values[(0, "a")] > res.values[(1, "a")]
    assert res.model == f"signals@{model.identity}"
    assert "signals of support" in m.measures


def test_a_missing_weights_file_is_a_one_line_error(tmp_path):
    from harness.core.errors import HarnessError

    with pytest.raises(HarnessError, match="train_support_judge"):
        sg.load_model(tmp_path / "none.json")


@pytest.mark.slow
@pytest.mark.timeout(3000)
def test_rebuilding_the_judge_reproduces_its_validation_figures(shared_dir):
    """The trainer, run again from the shipped labels, finds every test AUROC within 0.01 of the committed file's."""
    env = {**os.environ, "HARNESS_DATA_DIR": str(shared_dir / "data"), "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "train_support_judge.py"), "--check"],
                       capture_output=True, text=True, env=env, timeout=2900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "check: OK" in r.stdout
