"""`harness view`: a local web app over run directories (leaderboard, tasks, reviews with each citation's
evidence, failures) that records human labels of the judges' verdicts in RUN/annotations.jsonl."""

from harness.view.app import create_app
from harness.view.data import ANNOTATIONS, ViewData, load_view
from harness.view.server import serve

__all__ = ["ANNOTATIONS", "ViewData", "create_app", "load_view", "serve"]
