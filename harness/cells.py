"""A cell of the experiment matrix: one task x generator x seed, and its on-disk key."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from harness.core.errors import HarnessError


class Cell(BaseModel):
    """One cell; `key` is how run files name it ('<task>|<generator>|<seed>'), `Cell.parse` reads it back."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    generator: str
    seed: int

    @property
    def key(self) -> str:
        return f"{self.task_id}|{self.generator}|{self.seed}"

    @classmethod
    def parse(cls, key: str) -> Cell:
        """The cell a run file's key names (task ids may hold '|'; generator names may not)."""
        parts = str(key).rsplit("|", 2)
        if len(parts) != 3 or not all(parts):
            raise HarnessError(f"bad cell key {key!r}: expected '<task>|<generator>|<seed>'", field="cell")
        try:
            seed = int(parts[2])
        except ValueError:
            raise HarnessError(f"bad cell key {key!r}: seed {parts[2]!r} is not an integer", field="cell") from None
        return cls(task_id=parts[0], generator=parts[1], seed=seed)

    def __lt__(self, other: Cell) -> bool:
        return (self.task_id, self.generator, self.seed) < (other.task_id, other.generator, other.seed)

    def __str__(self) -> str:
        return self.key


__all__ = ["Cell"]
