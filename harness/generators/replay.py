"""replay: recorded outputs of systems the harness cannot call, read by any reader, mapped to tasks.

Mapping, first match wins:
1. a manifest (spec.params.manifest, or manifest.yaml / manifest.yml / manifest.json inside the directory):
   {task_id: file or folder}, paths relative to the manifest (a folder is a STORM run folder);
2. file name: the stem (a STORM run folder: its name) equals the task id, or spec.params.aliases maps the stem to
   a task id
   (e.g. {"rag-llm": "rag-llm-survey"} for ../shared/data/outputs/surge-*/rag-llm.md).
spec.replay is a directory or a glob ("outputs/surge-autosurvey/*.json"); spec.params.format forces a reader.
Usage and cost come from the file when its format carries them (e.g. a Literature Review Report).
"""

from __future__ import annotations

import glob as globmod
import json
import time
from pathlib import Path

from harness.core.errors import HarnessError
from harness.generators import generator_kind
from harness.generators.base import Generation, GeneratorSpec, LLMClient
from harness.generators.recording import reply_flags
from harness.models import Task
from harness.readers import is_output_folder, read_review

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.json")


def load_manifest(path: Path) -> dict[str, Path]:
    """{task_id: absolute file} from a YAML/JSON manifest; HarnessError naming the file for a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HarnessError(f"cannot read replay manifest: {exc.strerror or exc}", path=path) from None
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:
        raise HarnessError(f"replay manifest is not valid {path.suffix.lstrip('.').upper()}: {exc}",
                           path=path) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise HarnessError("replay manifest must map task ids to file paths ({task_id: file})", path=path)
    out = {k: (path.parent / v).resolve() for k, v in data.items()}
    for k, v in out.items():
        if not v.exists():
            raise HarnessError(f"replay manifest names a missing file or folder for task {k!r}: {v}", path=path,
                               field=k)
    return out


def list_files(source: str) -> tuple[list[Path], Path | None]:
    """Files (and output folders) of a directory or glob (manifests excluded), and the directory's manifest."""
    p = Path(source).expanduser()
    if p.is_dir():
        manifest = next((p / n for n in MANIFEST_NAMES if (p / n).is_file()), None)
        files = sorted(f for f in p.iterdir() if (f.is_file() or is_output_folder(f)) and f.name not in MANIFEST_NAMES
                       and not f.name.startswith("."))
        return files, manifest
    matches = sorted(Path(m) for m in globmod.glob(str(p)) if Path(m).is_file() or is_output_folder(Path(m)))
    if not matches:
        raise HarnessError("replay source matches no files", path=source, field="replay",
                       hint="give a directory or a glob such as outputs/*.md")
    return [m for m in matches if m.name not in MANIFEST_NAMES], None


def map_files(spec: GeneratorSpec) -> dict[str, Path]:
    """{task_id: file} for a replay spec (manifest first, then file stems and aliases)."""
    if not spec.replay:
        raise HarnessError(f"generator {spec.name!r}: kind replay needs `replay: <dir or glob>`", field="replay")
    files, manifest = list_files(spec.replay)
    if spec.params.get("manifest"):
        manifest = Path(spec.params["manifest"]).expanduser()
    if manifest is not None:
        return load_manifest(manifest)
    aliases: dict[str, str] = dict(spec.params.get("aliases", {}))
    out: dict[str, Path] = {}
    for f in files:
        stem = f.name if f.is_dir() else f.stem
        task_id = aliases.get(stem, stem)
        if task_id in out:
            raise HarnessError(f"two replay files map to task {task_id!r}: {out[task_id].name} and {f.name}",
                               path=spec.replay, field="replay",
                               hint="narrow the glob (e.g. *.md) or add a manifest {task_id: file}")
        out[task_id] = f
    return out


@generator_kind("replay", calls_provider=False, requires=("replay",))
class ReplayGenerator:
    """Reads the recorded output for a task; a task without a file is a Generation with an error, not a crash."""

    def __init__(self, spec: GeneratorSpec):
        self.spec = spec
        self.files = map_files(spec)

    async def generate(self, task: Task, seed: int, client: LLMClient | None = None) -> Generation:
        """The recorded review (the seed is not used: a recording has one output per task)."""
        start = time.perf_counter()
        gen = Generation(task_id=task.id, generator=self.spec.name, seed=seed)
        path = self.files.get(task.id)
        if path is None:
            known = ", ".join(sorted(self.files)) or "none"
            return gen.model_copy(update={"error": f"no recorded output for task {task.id!r} in {self.spec.replay}"
                                          f" (mapped tasks: {known})", "flags": ["missing_replay"]})
        try:
            review = read_review(path, format=self.spec.params.get("format"))
        except HarnessError as exc:
            return gen.model_copy(update={"error": str(exc), "flags": ["unreadable_replay"],
                                          "latency_s": time.perf_counter() - start})
        if review.topic is None:
            review = review.model_copy(update={"topic": task.topic})
        finish = [review.finish_reason] if review.finish_reason else []
        return gen.model_copy(update={"review": review, "flags": reply_flags(review, finish),
                                      "latency_s": time.perf_counter() - start})


__all__ = ["ReplayGenerator", "map_files", "load_manifest", "list_files"]
