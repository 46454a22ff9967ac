"""The task-build recipe shared by scripts/build_tasks.py and `harness tasks new`: seed, file bytes, atomic write.

Same task -> same bytes: indent=1 JSON in the model's field order with a trailing newline (or YAML), written
through a temp file and a rename so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from harness.core.fileio import atomic_write
from harness.models import Task

SEED_RULE = "int(sha256(task_id).hexdigest()[:12], 16)"


def task_seed(task_id: str) -> int:
    """Fixed per-task seed of the pool sample (SEED_RULE; 48 bits, fits int64 columns)."""
    return int(hashlib.sha256(task_id.encode()).hexdigest()[:12], 16)


def task_bytes(task: Task, suffix: str = ".json") -> bytes:
    """A task file's exact content: indent=1 JSON in the model's field order + newline, or YAML for .yaml/.yml."""
    data = task.model_dump(mode="json")
    if suffix.lower() in (".yaml", ".yml"):
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode()


def write_task_bytes(path: Path, task: Task) -> Path:
    """Write the task to path atomically (temp file + fsync + rename), in the format its suffix names."""
    atomic_write(path, task_bytes(task, path.suffix))
    return path


__all__ = ["SEED_RULE", "task_bytes", "task_seed", "write_task_bytes"]
