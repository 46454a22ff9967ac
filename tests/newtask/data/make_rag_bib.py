"""How rag-refs.bib was made (run once; the .bib is committed): 62 real entries of the shipped rag-llm-survey
bibliography (titles, arXiv ids and years exactly as in tasks/rag-llm-survey.json) in five common BibTeX styles,
plus six broken entries: no title, a duplicate key, an unparsable entry, a bad year, an eprint that is no arXiv
id, and one paper entered twice under two keys. Usage: python make_rag_bib.py > rag-refs.bib"""

import json
import re
from pathlib import Path

TASK = Path(__file__).resolve().parents[3] / "tasks" / "rag-llm-survey.json"
# The five reference papers the AutoSurvey RAG output (../shared/data/outputs/surge-autosurvey/rag-llm.json) cites.
CITED = ["2401.17043", "2401.14887", "2309.01219", "2309.15217", "2308.11761"]


def esc(title: str) -> str:
    return title.replace("&", r"\&").replace("%", r"\%")


def entry(i: int, key: str, p: dict) -> str:
    t, a, y = esc(p["title"]), p["arxiv_id"], p["year"]
    style = i % 5
    if y is None:  # the shipped record has no year: the entry has none either
        return f"@misc{{{key},\n  title = {{{t}}},\n  eprint = {{{a}}},\n  archivePrefix = {{arXiv}}\n}}"
    if style == 0:
        return f"@article{{{key},\n  title = {{{t}}},\n  journal = {{arXiv preprint arXiv:{a}}},\n  year = {{{y}}}\n}}"
    if style == 1:
        return (f"@misc{{{key},\n  title = {{{t}}},\n  eprint = {{{a}}},\n  archivePrefix = {{arXiv}},\n"
                f"  primaryClass = {{cs.CL}},\n  year = {{{y}}}\n}}")
    if style == 2:
        return f"@inproceedings{{{key},\n  title = {{{t}}},\n  url = {{https://arxiv.org/abs/{a}v1}},\n  year = {y}\n}}"
    if style == 3:
        return f'@article{{{key},\n  title = "{t}",\n  arxiv = {{{a}}},\n  year = {{{y}}}\n}}'
    return f"@misc{{{key},\n  title = {{{{{t}}}}},\n  note = {{arXiv:{a}}},\n  year = {{{y}}}\n}}"


def main() -> None:
    task = json.loads(TASK.read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in task["papers"]}
    refs = task["reference_papers"]
    chosen = CITED + [pid for pid in refs[::3] if pid not in CITED][:57]
    keys: set[str] = set()
    first_key = ""
    out = ["% Bibliography for a RAG survey task (real papers of the shipped rag-llm-survey bibliography).", ""]
    for i, pid in enumerate(chosen):
        p = by_id[pid]
        word = re.sub(r"[^a-z0-9]", "", p["title"].split()[0].lower()) or "paper"
        key = f"{word}{p['year'] or ''}"
        while key in keys:
            key += "x"
        keys.add(key)
        if i == 0:
            first_key = key
        out += [entry(i, key, p), ""]
        if i == 10:  # no title
            out += ["@misc{notitle2023,\n  howpublished = {arXiv},\n  year = {2023}\n}", ""]
        if i == 20:  # duplicate key: reuses the key of entry 0 for another real paper
            q = by_id[refs[1]]
            out += [entry(0, first_key, q), ""]
        if i == 30:  # unparsable: the title's closing brace is missing
            q = by_id[refs[4]]
            out += [f"@article{{broken{q['year']},\n  title = {{{esc(q['title'])},\n  year = {{{q['year']}}}\n}}", ""]
        if i == 40:  # a bad year and an eprint that is no arXiv id (fields ignored, entry kept)
            q = by_id[refs[7]]
            out += [f"@misc{{badfields{q['year']},\n  title = {{{esc(q['title'])}}},\n  eprint = {{see-arxiv}},\n"
                    f"  year = {{2O{str(q['year'])[2:]}}}\n}}", ""]
        if i == 50:  # the same paper as entry 1, under another key
            out += [entry(1, "samepaper", by_id[chosen[1]]), ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
