"""A budget is a ceiling (issue 28, item 3): with budget_usd set, a model with no known price stops the run before
it starts unless the generator has `price:` or the run says `execution.allow_unpriced: true`."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.runner import run_experiment

from .helpers import TASKS, config_dict


@pytest.mark.timeout(300)
def test_unpriced_model_under_a_budget_is_an_error_unless_allowed(server, tmp_path: Path) -> None:
    data = config_dict(server.api_base, tmp_path, tasks=[TASKS[0]], offline=False, seeds=[0, 1], budget_usd=0.0001)
    with pytest.raises(HarnessError) as info:
        run_experiment(ExperimentConfig.from_dict(data), progress=False)
    text = str(info.value)
    assert "generators[0].price" in text and "openai/fake-0" in text and "allow_unpriced" in text
    assert server.count == 0 and not (tmp_path / "results").exists()
    data["execution"] = {"allow_unpriced": True}
    summary = run_experiment(ExperimentConfig.from_dict(data), progress=False)
    assert summary.status == "complete" and server.count == 2 and summary.counters["unpriced_calls"] == 2
    log = (Path(summary.run_dir) / "run.log").read_text()
    assert "no known price" in log and "allow_unpriced" in log
    priced = dict(data, execution={"allow_unpriced": False, "cache": False})  # the replies are cached
    priced["generators"] = [dict(data["generators"][0], price={"input_per_mtok": 0.0, "output_per_mtok": 0.1})]
    summary = run_experiment(ExperimentConfig.from_dict(priced), progress=False)
    assert summary.status == "complete" and summary.counters["spend_usd"] > 0
