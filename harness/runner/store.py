"""Run-directory I/O: atomic manifest, fsynced append-only JSONL, scores table materialised to parquet."""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import polars as pl

from harness.cells import Cell
from harness.config import _forms, env_secrets, known_secrets, redact_text, secret_values
from harness.core.errors import HarnessError, warn
from harness.core.fileio import atomic_write, open_temp  # noqa: F401 (re-exported for the runner and report)
from harness.generators.base import Generation
from harness.models import Score
from harness.runner.manifest import Manifest, parse_manifest

MANIFEST = "manifest.json"
GENERATIONS = "generations.jsonl"
SCORES_LOG = "scores.jsonl"
SCORES = "scores.parquet"
ERRORS = "errors.jsonl"
USAGE = "usage.jsonl"
RUN_LOG = "run.log"

SCORE_SCHEMA = {
    "cell": pl.Utf8,
    "task_id": pl.Utf8,
    "generator": pl.Utf8,
    "seed": pl.Int64,
    "score": pl.Utf8,
    "value": pl.Float64,
    "status": pl.Utf8,
    "explanation": pl.Utf8,
    "details": pl.Utf8,
}


def may_hold_secrets(manifest: dict[str, Any]) -> bool:
    """True when a manifest's config had secret-named fields or credentials in a URL (redaction is best effort)."""
    config = manifest.get("config")
    if not isinstance(config, dict):
        return False
    if secret_values(config) or "***" in json.dumps(config, default=str):
        return True
    return bool(re.search(r"https?://[^/\s\"]*@|[?&](?:key|token|api_key|access_token)=", json.dumps(config,
                                                                                                     default=str)))


def repair_jsonl(path: Path) -> int:
    """Cut a torn last line (left by a kill mid-write) so appends start on a fresh line; returns bytes cut."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        # scan back for the last newline
        pos, chunk = size, 65536
        keep = 0
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            buf = fh.read(pos - start)
            i = buf.rfind(b"\n")
            if i >= 0:
                keep = start + i + 1
                break
            pos = start
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    warn(f"{path}: cut {size - keep} bytes of a torn last line (an interrupted write); the record on it is lost"
         + (" and its cell runs again" if path.name == GENERATIONS else ""))
    return size - keep


_HINTS = {
    "scores.jsonl": "rebuild it with `harness rescore RUN_DIR`",
    "generations.jsonl": "restore the file from a backup: the reviews of a run live only there",
    "usage.jsonl": "remove the bad line (it only feeds the manifest's counters)",
    "errors.jsonl": "remove the bad line (it only records why cells failed)",
}


def _decode_line(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """One JSONL line -> (object, "") or (None, what is wrong with it)."""
    try:
        rec = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg})"
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError:  # undecodable bytes
        return None, "not UTF-8 text"
    if not isinstance(rec, dict):
        return None, f"a JSON {type(rec).__name__}, not an object"
    return rec, ""


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON lines of a file; a torn or unparsable last line is ignored (a kill mid-append)."""
    if not path.exists():
        return
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    # The part after the final newline is empty for a complete file, a torn line otherwise.
    complete, tail = lines[:-1], lines[-1]
    for i, raw in enumerate(complete):
        if not raw.strip():
            continue
        rec, why = _decode_line(raw)
        if rec is None:
            raise HarnessError(f"unreadable line: {why}", path=path, line=i + 1, hint=_HINTS.get(path.name))
        yield rec
    del tail


_CELL_TEXT = re.compile(rb'"cell"\s*:\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class JsonlRead:
    """A JSONL file read leniently: its object lines, and the lines that could not be read (1-based)."""

    path: Path
    exists: bool
    records: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # line number of each record
    unreadable: list[int] = field(default_factory=list)
    torn: bool = False  # the file ends in a line without newline (an interrupted append): it is unreadable
    lost_cells: list[str] = field(default_factory=list)  # cell keys still legible in unreadable lines

    def problem(self) -> str:
        """'3 unreadable lines (4, 9, 12 torn)' (empty when every line was read)."""
        if not self.unreadable:
            return ""
        shown = [str(n) + (" torn" if self.torn and n == self.unreadable[-1] else "") for n in self.unreadable[:8]]
        more = f", +{len(self.unreadable) - 8} more" if len(self.unreadable) > 8 else ""
        n = len(self.unreadable)
        text = f"{n} unreadable line{'s' if n != 1 else ''} ({', '.join(shown)}{more})"
        return text + (f" of cells {', '.join(self.lost_cells[:5])}" if self.lost_cells else "")


def read_jsonl_lenient(path: Path) -> JsonlRead:
    """Every readable object line of a JSONL file, counting (not raising on) the unreadable ones."""
    out = JsonlRead(path=path, exists=path.exists())
    if not out.exists:
        return out
    data = path.read_bytes()
    lines = data.split(b"\n")
    out.torn = bool(lines[-1].strip())  # text after the last newline: an append cut short
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        rec, _why = _decode_line(raw) if not (out.torn and n == len(lines)) else (None, "torn")
        if rec is None:
            out.unreadable.append(n)
            m = _CELL_TEXT.search(raw)
            if m:
                try:
                    out.lost_cells.append(json.loads(b'"' + m.group(1) + b'"'))
                except ValueError:
                    pass
            continue
        out.records.append(rec)
        out.lines.append(n)
    return out


def _lock_run_dir(run_dir: Path) -> int:
    """Hold an exclusive lock on run_dir/.lock (released on close or process death, SIGKILL included)."""
    import fcntl

    fd = os.open(run_dir / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise HarnessError("the run directory is in use by another harness process (run, resume or rescore)",
                           path=run_dir, hint="wait for it to finish, or stop it, then try again") from None
    return fd


class RunStore:
    """Files of one run directory; appends are flushed and fsynced per record."""

    def __init__(self, run_dir: str | Path):
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._env_secrets = env_secrets()  # read once (walking os.environ per line is slow); config keys stay live
        self._locks = {name: threading.Lock() for name in (GENERATIONS, SCORES_LOG, ERRORS, USAGE)}
        self._fds: dict[str, int] = {}
        self._fd_lock = threading.Lock()
        self._buffers: dict[str, list[bytes]] = {SCORES_LOG: [], USAGE: []}
        self._buf_lock = threading.Lock()
        self._pending: list[tuple[bytes, asyncio.Future, bool]] = []
        self._committer: asyncio.Task | None = None
        self._lock_fd: int | None = _lock_run_dir(self.dir)  # before repair: never cut another writer's line
        for name in (GENERATIONS, SCORES_LOG, ERRORS, USAGE):
            repair_jsonl(self.dir / name)
        self._attempts = generation_counts(self.dir)  # cell key -> generation lines (a resume appends a new one)
        scored = {r.get("cell") for r in read_jsonl_lenient(self.path(SCORES_LOG)).records}  # rescore repairs it
        orphans = sorted(c for c in scored if isinstance(c, str) and c not in self._attempts)
        if orphans:
            warn(f"{self.path(SCORES_LOG)} scores {len(orphans)} cell(s) that {GENERATIONS} does not hold (their "
                 f"reviews are lost): {', '.join(orphans[:5])}{' ...' if len(orphans) > 5 else ''}")

    def path(self, name: str) -> Path:
        return self.dir / name

    # ----- writes ---------------------------------------------------------------------------------

    def write_manifest(self, manifest: Manifest | dict[str, Any]) -> None:
        """manifest.json, replaced atomically (private when its config may hold a secret)."""
        obj = manifest.as_dict() if isinstance(manifest, Manifest) else manifest
        data = json.dumps(obj, indent=2, ensure_ascii=False, default=str).encode()
        atomic_write(self.path(MANIFEST), data, private=may_hold_secrets(obj))

    def _line(self, record: dict[str, Any]) -> bytes:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        # registered config secrets and env keys are never written
        return (redact_text(text, known_secrets(self._env_secrets)) + "\n").encode()

    def _append(self, name: str, record: dict[str, Any], sync: bool = True) -> None:
        self._write(name, self._line(record), sync)

    def _fd(self, name: str) -> int:
        """The file's append descriptor, opened once per store (an open + close per line costs ms on slow disks)."""
        with self._fd_lock:
            fd = self._fds.get(name)
            if fd is None:
                fd = self._fds[name] = os.open(self.path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            return fd

    def _write(self, name: str, data: bytes, sync: bool = True) -> None:
        fd = self._fd(name)
        with self._locks[name]:  # appends come from the event loop and from worker threads
            view = memoryview(data)
            while view:  # a kill leaves the whole line or a torn tail (cut on the next open), never a mix
                view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)  # outside the lock: concurrent appends share one disk flush

    def _buffer(self, name: str, line: bytes) -> None:
        with self._buf_lock:
            self._buffers[name].append(line)

    def flush(self) -> None:
        """Write buffered usage and scores lines (called before every generations write, and at the end)."""
        with self._buf_lock:
            batches = {name: b"".join(lines) for name, lines in self._buffers.items() if lines}
            for lines in self._buffers.values():
                lines.clear()
        for name in (USAGE, SCORES_LOG):  # usage first: it must never trail the generations it paid for
            if name in batches:
                self._write(name, batches[name], sync=False)

    def close(self) -> None:
        """Flush buffers and close the append descriptors (the store reopens them if used again)."""
        self.flush()
        with self._fd_lock:
            fds, self._fds = self._fds, {}
        for fd in fds.values():
            os.close(fd)
        lock_fd, self._lock_fd = getattr(self, "_lock_fd", None), None
        if lock_fd is not None:
            os.close(lock_fd)  # releases the run-directory lock

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def append_generation(self, cell: Cell, generation: Generation) -> None:
        """One self-contained line: the Generation plus its cell key (written and fsynced before returning)."""
        self._attempts[cell.key] = self._attempts.get(cell.key, 0) + 1
        self.flush()
        self._append(GENERATIONS, {"cell": cell.key, **generation.model_dump(mode="json")})

    async def append_generation_async(self, cell: Cell, generation: Generation) -> bytes:
        """As append_generation, but lines of concurrent cells share one write + fsync (group commit).

        Returns the line written (the whole-cell cache keeps it, so the Generation is serialised once).
        """
        data = self._line({"cell": cell.key, **generation.model_dump(mode="json")})
        await self._enqueue_generation(cell, data)
        return data

    async def append_generation_line_async(self, cell: Cell, line: str) -> None:
        """Append a generations line written before for this cell (a reused cell: no pydantic round trip).

        Not fsynced on its own: the line is a copy of what the cache already holds durably (a lost line is served
        again from the cache on resume); it shares a flush when a paid-for line is in the same batch.
        """
        text = line.rstrip("\n")
        secrets = known_secrets(self._env_secrets)
        # The line was redacted when first written; only a secret registered since could be in it.
        if any(form in text for s in secrets for form in _forms(s)):
            text = redact_text(text, secrets)
        await self._enqueue_generation(cell, (text + "\n").encode(), sync=False)

    async def _enqueue_generation(self, cell: Cell, data: bytes, sync: bool = True) -> None:
        self._attempts[cell.key] = self._attempts.get(cell.key, 0) + 1
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._pending.append((data, fut, sync))
        if self._committer is None or self._committer.done():
            self._committer = loop.create_task(self._commit_loop())
        await fut

    async def _commit_loop(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await asyncio.to_thread(self._commit, b"".join(d for d, _, _ in batch), any(s for _, _, s in batch))
            except BaseException as exc:  # noqa: BLE001 - every waiting cell sees the failure
                for _, f, _ in batch:
                    if not f.done():
                        f.set_exception(exc)
                continue
            for _, f, _ in batch:
                if not f.done():
                    f.set_result(None)

    def _commit(self, data: bytes, sync: bool = True) -> None:
        self.flush()
        self._write(GENERATIONS, data, sync)

    def append_scores(self, cell: Cell, scores: list[Score]) -> None:
        """One line per scored cell, tagged with the generation it scores ("gen": the cell's latest line number).

        The last line of a cell's latest generation wins when the table is materialised. Not fsynced: scores are
        recomputable, and a resume re-scores any latest generation without a line here. Buffered until the next
        generations write, flush() or close().
        """
        self._buffer(SCORES_LOG, self._line({"cell": cell.key, "gen": self._attempts.get(cell.key, 0), "time": time.time(),
                                             "scores": [s.model_dump(mode="json") for s in scores]}))

    def append_usage(self, session: int, usage: dict[str, Any]) -> None:
        """One line per provider call outcome or cache hit (counter deltas), so a killed session's usage survives.

        Buffered and written, not fsynced, before the next generations write (a SIGKILL keeps written lines: the
        page cache survives the process), so the usage of every stored generation is on disk before it.
        """
        self._buffer(USAGE, self._line({"session": session, **usage}))

    def append_error(self, cell: Cell, error: str, **extra: Any) -> None:
        self._append(ERRORS, {"cell": cell.key, "time": time.time(), "error": error, **extra})

    def rewrite_scores_log(self, entries: dict[Cell, list[Score]]) -> None:
        """Replace scores.jsonl atomically (rescore)."""
        now = time.time()
        lines = [json.dumps({"cell": c.key, "gen": self._attempts.get(c.key, 0), "time": now,
                             "scores": [s.model_dump(mode="json") for s in ss]},
                            ensure_ascii=False, separators=(",", ":")) for c, ss in entries.items()]
        self.close()  # the open append descriptor would keep writing to the replaced file
        atomic_write(self.path(SCORES_LOG),
                     redact_text("".join(line + "\n" for line in lines), known_secrets(self._env_secrets)).encode())

    def materialize_scores(self) -> pl.DataFrame:
        """Build scores.parquet from the complete cells (one row per cell x score) and write it atomically."""
        self.flush()
        df = scores_frame(self.dir, counts=dict(self._attempts))
        fd, tmp = open_temp(self.path(SCORES))
        os.close(fd)
        try:
            df.write_parquet(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(SCORES))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return df

    # ----- reads ----------------------------------------------------------------------------------

    def generation_number(self, cell: Cell) -> int:
        """How many generation lines the cell has (0: never generated); scores lines name the one they score."""
        return self._attempts.get(cell.key, 0)

    def completed_cells(self) -> set[Cell]:
        """Cells whose latest generation holds a review and no error (a failed cell is retried on resume)."""
        latest: dict[str, bool] = {}
        for rec in iter_jsonl(self.path(GENERATIONS)):
            if "cell" in rec:
                latest[rec["cell"]] = rec.get("error") is None and rec.get("review") is not None
        return set(_cells(key for key, ok in latest.items() if ok))

    def scored_cells(self) -> set[Cell]:
        """Cells whose latest generation has a scores line."""
        return set(_cells(key for key, gen in _scored_gen(self.dir).items() if gen == self._attempts.get(key)))


def _cells(keys: Iterator[str] | list[str]) -> Iterator[Cell]:
    """The cells named by on-disk keys; a key that names no cell (a damaged line) names none."""
    for key in keys:
        try:
            yield Cell.parse(key)
        except HarnessError:
            continue


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The run's manifest as a dict: `Manifest.as_dict()` of load_manifest (every field present, earlier formats
    migrated, unknown keys kept); reports and tools read it by key."""
    return load_manifest(run_dir).as_dict()


def load_manifest(run_dir: str | Path) -> Manifest:
    """The run's manifest.json as a Manifest; HarnessError naming the file (and field) when it is damaged."""
    p = Path(run_dir) / MANIFEST
    if not p.exists():
        raise HarnessError("not a run directory (no manifest.json)", path=run_dir)
    try:
        data = json.loads(p.read_bytes())
    except json.JSONDecodeError as exc:
        raise HarnessError(f"corrupt manifest: {exc.msg}", path=p, line=exc.lineno,
                           hint="restore manifest.json from a backup") from None
    except (ValueError, RecursionError):
        raise HarnessError("corrupt manifest: not readable JSON text", path=p,
                           hint="restore manifest.json from a backup") from None
    return parse_manifest(data, p)


def read_run_config(run_dir: str | Path) -> dict[str, Any]:
    """The resolved experiment config a run's manifest holds (what rescore and --resume run with)."""
    config = load_manifest(run_dir).config
    if not isinstance(config, dict):
        raise HarnessError("the manifest holds no run config", path=Path(run_dir) / MANIFEST, field="config",
                           hint="restore manifest.json from a backup; without it the run cannot be rescored or "
                                "resumed")
    return config


def read_generations(run_dir: str | Path) -> dict[Cell, Generation]:
    """cell -> Generation for every complete line (the last line of a cell wins: a resume retries failed cells)."""
    from pydantic import ValidationError

    from harness.core.errors import pydantic_errors

    out: dict[Cell, Generation] = {}
    path = Path(run_dir) / GENERATIONS
    read = read_jsonl_lenient(path)
    bad = [n for n in read.unreadable if not (read.torn and n == read.unreadable[-1])]
    if bad:
        raise HarnessError("unreadable line", path=path, line=bad[0], hint=_HINTS[GENERATIONS])
    for n, rec in zip(read.lines, read.records):
        key = rec.pop("cell", None)
        if key is None:
            continue
        try:
            cell = Cell.parse(key)
        except HarnessError as exc:
            raise HarnessError(exc.message, path=path, line=n, field="cell", hint=_HINTS[GENERATIONS]) from None
        try:
            out[cell] = Generation.model_validate(rec)
        except ValidationError as exc:
            err = pydantic_errors(exc, path)
            raise HarnessError(f"not a stored generation: {err.message}", path=path, line=n, field=err.field,
                               hint=_HINTS[GENERATIONS]) from None
    return out


def generation_counts(run_dir: str | Path) -> dict[str, int]:
    """cell key -> number of generation lines (the latest one is the cell's result)."""
    counts: dict[str, int] = {}
    for rec in iter_jsonl(Path(run_dir) / GENERATIONS):
        if "cell" in rec:
            counts[rec["cell"]] = counts.get(rec["cell"], 0) + 1
    return counts


def scored_generation(rec: dict[str, Any]) -> Any:
    """The generation number a scores line scores: its "gen"; lines written before "gen" existed (runs before
    commit 83f3cf0, which never retried a cell) score generation 1."""
    return rec.get("gen", 1)


def _scored_gen(run_dir: Path) -> dict[str, int]:
    """cell key -> the generation number its last scores line scored."""
    return {rec["cell"]: scored_generation(rec) for rec in iter_jsonl(run_dir / SCORES_LOG) if "cell" in rec}


def read_usage(run_dir: str | Path) -> dict[int, dict[str, float]]:
    """session index -> summed usage counters from usage.jsonl (empty for runs made before it existed)."""
    out: dict[int, dict[str, float]] = {}
    path = Path(run_dir) / USAGE
    for rec in iter_jsonl(path):
        session = rec.get("session", 0)
        if not isinstance(session, int):
            raise HarnessError(f"session is {session!r}, not a number", path=path, field="session",
                               hint=_HINTS[USAGE])
        tot = out.setdefault(session, {})
        for k, v in rec.items():
            if k != "session" and isinstance(v, (int, float)):
                tot[k] = tot.get(k, 0) + v
    return out


def scores_frame(run_dir: str | Path, counts: dict[str, int] | None = None) -> pl.DataFrame:
    """The scores table built from scores.jsonl: per cell, the last scores line of its latest generation.

    counts: cell -> generation lines when the caller already knows them (the writing store), else read from disk.
    """
    run_dir = Path(run_dir)
    counts = generation_counts(run_dir) if counts is None else counts
    latest: dict[str, list[Any]] = {}
    for rec in iter_jsonl(run_dir / SCORES_LOG):
        cell = rec.get("cell")
        if cell in counts and scored_generation(rec) == counts[cell]:
            latest[cell] = rec.get("scores", [])
    return _frame(latest)


@dataclass
class ScoresRead:
    """The scores table of a run, what was lost or replaced reading it, and cells with a generation but no scores."""

    table: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _parquet(path: Path) -> tuple[pl.DataFrame | None, str]:
    """scores.parquet as a table, or (None, why it cannot be used)."""
    try:
        df = pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - polars raises several types for a damaged file
        return None, " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
    absent = [c for c in SCORE_SCHEMA if c not in df.columns and c not in ("cell", "explanation", "details")]
    if absent:
        return None, f"no column {absent[0]!r}"
    return df, ""


def _generation_counts(gens: JsonlRead) -> dict[str, int]:
    """cell -> generation lines of a leniently read generations.jsonl (the runner scores every latest one)."""
    counts: dict[str, int] = {}
    for rec in gens.records:
        cell = rec.get("cell")
        if isinstance(cell, str):
            counts[cell] = counts.get(cell, 0) + 1
    return counts


def _frame(latest: dict[str, list[Any]]) -> pl.DataFrame:
    """Rows of each cell's chosen scores line; cells or scores that do not parse are left out."""
    rows = []
    for cell in sorted(latest):
        try:
            c = Cell.parse(cell)
        except HarnessError:
            continue
        seen: set[str] = set()
        for s in latest[cell] if isinstance(latest[cell], list) else []:
            if not isinstance(s, dict) or not isinstance(s.get("name"), str) or s["name"] in seen:
                continue
            seen.add(s["name"])
            value = s.get("value")
            rows.append({
                "cell": cell, "task_id": c.task_id, "generator": c.generator, "seed": c.seed, "score": s["name"],
                "value": float(value) if isinstance(value, (int, float)) else None, "status": s.get("status"),
                "explanation": s.get("explanation", ""),
                "details": json.dumps(s.get("details") or {}, ensure_ascii=False, sort_keys=True, default=str),
            })
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


def read_scores_checked(run_dir: str | Path) -> ScoresRead:
    """The scores table (scores.parquet, else rebuilt from scores.jsonl), saying what was unreadable or missing.

    A damaged scores.parquet falls back to scores.jsonl; unreadable scores.jsonl lines are counted; cells with a
    stored generation but no scores (the runner scores every generation, failed ones as errors) are missing.
    HarnessError only when there is nothing to read the scores from.
    """
    run_dir = Path(run_dir)
    pq, log_path = run_dir / SCORES, run_dir / SCORES_LOG
    out_warnings: list[str] = []
    gens = read_jsonl_lenient(run_dir / GENERATIONS)
    counts = _generation_counts(gens)
    table, source = None, SCORES
    if pq.exists() and (not log_path.exists() or pq.stat().st_mtime_ns >= log_path.stat().st_mtime_ns):
        table, why = _parquet(pq)
        if table is None and not log_path.exists():
            raise HarnessError(f"scores.parquet is unreadable ({why}) and there is no scores.jsonl to rebuild it "
                               "from", path=pq, hint="run `harness rescore RUN_DIR` to score the stored reviews")
        if table is None:
            out_warnings.append(f"{pq} is unreadable ({why}): the scores table was rebuilt from scores.jsonl")
    if table is None:
        if not log_path.exists() and not gens.exists:
            raise HarnessError("not a run directory (no scores.parquet or scores.jsonl)", path=run_dir)
        log, source = read_jsonl_lenient(log_path), SCORES_LOG
        if log.unreadable:
            out_warnings.append(f"{log_path}: {log.problem()} skipped: the scores on them are lost")
        trust_gens = gens.exists and not gens.unreadable
        latest: dict[str, list[Any]] = {}
        for rec in log.records:
            cell = rec.get("cell")
            if not isinstance(cell, str):
                continue
            if not trust_gens or (cell in counts and scored_generation(rec) == counts[cell]):
                latest[cell] = rec.get("scores", [])
        if latest and not trust_gens:
            out_warnings.append(f"{run_dir / GENERATIONS} is damaged or missing: each cell's last scores line is "
                                "used, whichever generation it scored")
        table = _frame(latest)
    if gens.unreadable:
        out_warnings.append(f"{gens.path}: {gens.problem()} skipped: the reviews on them are lost")
    present = set(table["cell"].unique().to_list()) if "cell" in table.columns else set()
    orphans = sorted(present - set(counts)) if gens.records or gens.unreadable else []
    if orphans:
        shown = ", ".join(orphans[:5]) + (f" and {len(orphans) - 5} more" if len(orphans) > 5 else "")
        out_warnings.append(f"{len(orphans)} scored cell(s) have no readable generation in {gens.path} (their "
                            f"reviews are lost): {shown}")
    missing = sorted(set(counts) - present) if "cell" in table.columns else []
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        out_warnings.append(f"{len(missing)} cell(s) with a stored generation have no scores in {source} and are "
                            f"missing from the tables: {shown} (`harness rescore {run_dir}` scores them)")
    return ScoresRead(table=table, warnings=out_warnings, missing=missing)


def read_scores(run_dir: str | Path) -> pl.DataFrame:
    """scores.parquet, or the table rebuilt from scores.jsonl when the parquet is missing, stale or damaged."""
    read = read_scores_checked(run_dir)
    for w in read.warnings:
        warn(w)
    return read.table


def read_errors(run_dir: str | Path) -> list[dict[str, Any]]:
    return list(iter_jsonl(Path(run_dir) / ERRORS))
