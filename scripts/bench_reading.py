"""Benchmark reading (prints figures, no asserts): run-on text through the reader and the resolve step.

Cases (a looping small model): one paragraph of `[n]` markers and no full stop — 50,000 markers (450 KB) and
600,000 markers (5.4 MB) — with `[1]` repeated and with n cycling over a 50-entry list; plus one paragraph of
inline-link citations (1/6 as many: the same size), one of Unicode superscripts, and adversarial run-ons of
the same size (an author list, one huge word, unclosed `\\cite{`, one reference line of URLs and blanks). Each case runs in a fresh process, so its peak RSS is its
own; printed: read time, resolve time, peak RSS growth over the process before reading, and the ratio of that
growth to the input size (the case file is written by the parent; the child's peak RSS is taken after its
imports and after `read_review`, so the growth holds the file's bytes, its text and all reading holds). Goals (issue 27): 450 KB read in <= 3 s, 5.4 MB in <= 30 s, memory <= 20x the input.
`--smoke`: small N, all cases in one process (seconds), the same reading code, no goals checked; for CI.

    .venv/bin/python scripts/bench_reading.py [--smoke] [--task stfm-since-2024]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
FULL = (50_000, 600_000)
SMOKE = (2_000,)
GOALS = {50_000: 3.0, 600_000: 30.0}  # seconds to read
MEM_GOAL = 20  # peak RSS growth / input size


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(kind: str, n: int) -> str:
    """The text of one case: a heading, one run-on paragraph of n markers, and its reference list."""
    refs = "\n".join(f"[{i}] Paper number {i} on looping models" for i in range(1, 51))
    if kind == "same":
        return "# Loop\n\n" + "loop [1] " * n + f"\n\n## References\n\n{refs}\n"
    if kind == "cycling":
        return "# Loop\n\n" + "".join(f"loop [{i % 50 + 1}] " for i in range(n)) + f"\n\n## References\n\n{refs}\n"
    if kind == "links":
        return "# Loop\n\n" + "".join(f"loop \\[[Zheng 2021](http://arxiv.org/abs/2108.{i % 50:05d})\\] "
                                      for i in range(n)) + "\n"
    if kind == "superscript":
        sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
        return "# Loop\n\n" + "".join(f"loop{str(i % 50 + 1).translate(sup)} " for i in range(n)) + \
            f"\n\n## References\n\n{refs}\n"
    if kind == "names":  # a run-on author list: "Smith, Lee, Smith, …" (regexes with unbounded repeats)
        return "# Loop\n\n" + "Smith, Lee, " * (n // 2) + f"\n\n## References\n\n{refs}\n"
    if kind == "word":  # one huge word
        return "# Loop\n\nA" + "a" * (9 * n) + f"\n\n## References\n\n{refs}\n"
    if kind == "cite":  # unclosed \cite{ repeated
        return "# Loop\n\n" + "\\cite{a " * n + "\n"
    if kind == "refline":  # one reference line of n URLs with long blank runs
        return "# T\n\nText [1].\n\n## References\n\n[1] " + "http://a.org/x     " * n + "\n"
    raise ValueError(kind)


def one_case(kind: str, n: int, task_id: str, path: Path) -> dict:
    """Read (`read_review`, as `harness inspect` does) and resolve one case file in this process."""
    from harness.readers import parse_text, read_review
    from harness.papers.resolve import resolve_for_task
    from harness.scorers.context import ScoringSuite
    from harness.tasks.suite import get_task

    parse_text(build(kind, 10), format="markdown")  # imports and compiled patterns first
    base = rss_mib()  # the process's peak so far (imports; the input is not built in this process)
    t0 = time.perf_counter()
    review = read_review(path, format="markdown")
    t_read = time.perf_counter() - t0
    grow = rss_mib() - base  # reading's peak above it: the file's bytes and text, and what parsing holds
    task = get_task(task_id)
    known = ScoringSuite.from_env().known()  # one-time load (the known-paper index)
    resolve_for_task(parse_text(build(kind, 10), format="markdown"), task, known)  # one-time loads
    t1 = time.perf_counter()
    resolved = resolve_for_task(review, task, known)
    t_res = time.perf_counter() - t1
    size = path.stat().st_size
    return {"kind": kind, "markers": n, "bytes": size, "citations": len(review.citations),
            "linked": sum(1 for c in resolved.review.citations for k in c.keys if k not in resolved.report.dangling),
            "read_s": t_read, "resolve_s": t_res, "rss_growth_mib": grow, "mem_ratio": grow * 2**20 / size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="small N, seconds, no goals checked")
    ap.add_argument("--task", default="stfm-since-2024")
    ap.add_argument("--case", nargs=3, metavar=("KIND", "N", "FILE"), help=argparse.SUPPRESS)  # one case, a child
    args = ap.parse_args()
    if args.case:
        print(json.dumps(one_case(args.case[0], int(args.case[1]), args.task, Path(args.case[2]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        run_cases(args, Path(tmp))


def run_cases(args, tmp: Path) -> None:
    """Every case: its file written here, read in a fresh process (full mode) or in this one (smoke)."""
    print(f"[reading] start: {load()}")
    sizes = SMOKE if args.smoke else FULL
    kinds = ("same", "cycling", "links", "superscript", "names", "word", "cite", "refline")
    for n in sizes:
        for kind in kinds:
            if kind not in ("same", "cycling") and n > 50_000:
                continue  # the 450 KB case is enough for the styles that are not the looping `[n]`
            m = n // 6 if kind == "links" else n  # a link marker is 6x longer: the same input size
            path = tmp / f"{kind}-{m}.md"
            path.write_text(build(kind, m), encoding="utf-8")
            if args.smoke:  # one process: seconds; the memory figure is then not the case's own
                r = one_case(kind, m, args.task, path)
            else:
                out = subprocess.run([sys.executable, __file__, "--task", args.task, "--case", kind, str(m), str(path)],
                                     capture_output=True, text=True, check=True,
                                     env={**os.environ, "PYTHONPATH": str(REPO)})
                r = json.loads(out.stdout.strip().splitlines()[-1])
            goal = "" if args.smoke or n not in GOALS or kind != "same" and kind != "cycling" else (
                f"  goal read <= {GOALS[n]:.0f} s: {'met' if r['read_s'] <= GOALS[n] else 'MISSED'}, "
                f"memory <= {MEM_GOAL}x: {'met' if r['mem_ratio'] <= MEM_GOAL else 'MISSED'}")
            print(f"{kind:11s} {m:>7,} markers ({r['bytes'] / 1e6:.2f} MB): read {r['read_s']:.2f} s, resolve "
                  f"{r['resolve_s']:.2f} s, {r['citations']:,} citations ({r['linked']:,} keys linked), peak RSS "
                  f"+{r['rss_growth_mib']:.0f} MiB = {r['mem_ratio']:.1f}x the input{goal}")
    print(f"[reading] end: {load()}")


if __name__ == "__main__":
    main()
