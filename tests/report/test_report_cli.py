"""`harness report` writes the requested formats and prints their paths."""

from __future__ import annotations

from typer.testing import CliRunner

from harness.cli import app

runner = CliRunner()


def test_report_command_writes_all_formats(make_run, tmp_path):
    run = make_run()
    out = runner.invoke(app, ["report", str(run), "--n-boot", "200"])
    assert out.exit_code == 0, out.output
    printed = out.output.split()
    for name in ("report.md", "report.tex", "report.html", "cost_quality.png"):
        assert str(run / "report" / name) in printed
        assert (run / "report" / name).stat().st_size > 0


def test_report_command_format_metrics_and_out(make_run, tmp_path):
    run = make_run()
    dest = tmp_path / "elsewhere"
    out = runner.invoke(app, ["report", str(run), "--format", "md", "--metrics", "coverage.recall,cost.usd",
                              "--out", str(dest), "--n-boot", "200"])
    assert out.exit_code == 0, out.output
    md = (dest / "report.md").read_text()
    main, other = md.split("Other scores", 1)  # --metrics picks the tables' columns; the rest is listed apart
    assert "coverage.recall" in main and "citations.on_topic_rate" not in main
    assert "| citations.on_topic_rate |" in other and "| coverage.recall |" not in other
    assert not (dest / "report.html").exists() and not (run / "report").exists()


def test_report_command_rejects_unknown_metric_and_format(make_run):
    run = make_run()
    out = runner.invoke(app, ["report", str(run), "--metrics", "coverage.recal"])
    assert out.exit_code != 0 and "coverage.recal" in str(out.exception)
    assert "available:" in str(out.exception)
    out = runner.invoke(app, ["report", str(run), "--format", "pdf"])
    assert out.exit_code != 0 and "pdf" in str(out.exception)
