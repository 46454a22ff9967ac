"""Reading a user's bibliography: BibTeX and JSONL entries become Papers; bad ones are reported by key and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.models import normalize_title
from harness.tasks.new.bibtex import read_bibtex
from harness.papers.records import read_papers_file

DATA = Path(__file__).parent / "data"
TASK = Path(__file__).resolve().parents[2] / "tasks" / "rag-llm-survey.json"

SMALL = r"""% two good entries, four bad ones
@article{gao2023,
  title = {Retrieval-Augmented Generation for {Large} Language Models: A Survey},
  author = {Gao, Yunfan and Xiong, Yun and M{\"u}ller, Hans},
  year = {2023},
  eprint = {2312.10997},
  archivePrefix = {arXiv},
}

@article{gao2023,
  title = {A second entry under the same key},
}

@misc{untitled,
  author = {X},
  year = {20x3}
}

@misc{broken,
  title = {Missing its closing brace
  year = 2021,
}

@inproceedings{lewis2020, title="Retrieval-Augmented Generation for Knowledge-Intensive {NLP} Tasks",
  doi={10.5555/3495724.3496517}, url={https://arxiv.org/abs/2005.11401v4}, year={20200}}
"""


def test_bibtex_fields_and_problems_by_key_and_line(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(SMALL, encoding="utf-8")
    e = read_bibtex(bib)
    gao, lewis = e.papers
    assert (gao.id, gao.title, gao.year) == ("2312.10997", "Retrieval-Augmented Generation for Large Language "
                                             "Models: A Survey", 2023)
    assert gao.authors == ["Gao, Yunfan", "Xiong, Yun", "Müller, Hans"]  # LaTeX accents decoded
    assert (lewis.arxiv_id, lewis.doi, lewis.year) == ("2005.11401", "10.5555/3495724.3496517", None)
    got = [(p.key, p.line, p.action) for p in e.problems]
    assert got == [("gao2023", 10, "entry dropped"), ("untitled", 14, "entry dropped"),
                   ("broken", 19, "entry dropped"), ("lewis2020", 24, "field ignored")]
    assert "duplicate key (first defined at line 2)" in e.problems[0].message
    assert "no title" in e.problems[1].message and "year" in e.problems[3].message


def test_realistic_bib_keeps_the_shipped_titles_and_ids_exactly():
    e = read_bibtex(DATA / "rag-refs.bib")
    shipped = {p["id"]: p for p in json.loads(TASK.read_text(encoding="utf-8"))["papers"]}
    by_title = {normalize_title(p["title"]): p for p in shipped.values()}
    assert len(e.papers) == 63  # 67 entries, 4 dropped (hand count of the file's broken entries)
    for p in e.papers:
        ref = shipped.get(p.id) or by_title[normalize_title(p.title)]
        assert p.title == ref["title"]
        assert p.arxiv_id in (ref["arxiv_id"], None)
    dropped = {(p.key, p.line) for p in e.dropped}
    assert dropped == {("notitle2023", 73), ("crudrag2024", 142), ("broken2023", 212), ("samepaper", 351)}
    ignored = [(p.key, p.line) for p in e.problems if p.action == "field ignored"]
    assert ignored == [("badfields2020", 281), ("badfields2020", 281)]  # eprint and year


def test_jsonl_papers_with_bad_lines(tmp_path):
    f = tmp_path / "papers.jsonl"
    f.write_text("\n".join([
        json.dumps({"title": "Dense Passage Retrieval for Open-Domain Question Answering", "arxiv_id": "2004.04906",
                    "year": 2020, "authors": ["Vladimir Karpukhin"]}),
        "{not json",
        json.dumps({"arxiv_id": "2005.11401"}),
        json.dumps({"title": "Dense Passage Retrieval for Open-Domain Question Answering", "arxiv_id": "2004.04906v3"}),
        json.dumps({"title": "REALM: Retrieval-Augmented Language Model Pre-Training", "doi": "10.48550/arXiv.2002.08909",
                    "colour": "red"}),
    ]) + "\n", encoding="utf-8")
    e = read_papers_file(f)
    assert [p.id for p in e.papers][0] == "2004.04906" and len(e.papers) == 2
    assert e.papers[1].doi == "10.48550/arXiv.2002.08909" and e.papers[1].arxiv_id is None
    assert [(p.line, p.action) for p in e.problems] == [(2, "entry dropped"), (3, "entry dropped"),
                                                       (4, "entry dropped"), (5, "field ignored")]
    assert "same paper as key line1 (line 1)" in e.problems[2].message


def test_one_papers_file_reader_lenient_for_tasks_strict_for_the_known_index(tmp_path):
    """`tasks new --papers` and HARNESS_PAPER_FILES read a file by the same record rule (harness.papers.records):
    the first drops and reports what the second refuses, naming file, line and field."""
    from harness.core.errors import HarnessError
    from harness.papers.records import json_records, load_paper_file

    good = {"title": "Dense Passage Retrieval for Open-Domain Question Answering", "arxiv_id": "2004.04906"}
    f = tmp_path / "papers.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in [good, {**good, "venue": "EMNLP"},  # duplicate, unknown field
                                                   {"title": "REALM", "arxiv_id": "not-an-id"}]) + "\n")
    assert [(p.line, p.action) for p in read_papers_file(f).problems] == [
        (2, "field ignored"), (2, "entry dropped"), (3, "field ignored")]
    with pytest.raises(HarnessError) as exc:
        load_paper_file(f)
    assert (exc.value.line, exc.value.field) == (3, "papers.arxiv") and "no arXiv id" in exc.value.message
    listed = tmp_path / "papers.json"
    listed.write_text(json.dumps({"papers": [good, {"year": 2020}]}))
    assert [p.id for p in read_papers_file(listed).papers] == ["2004.04906"]
    with pytest.raises(HarnessError) as exc:
        load_paper_file(listed)
    assert exc.value.field == "papers.title"
    f.write_text(json.dumps(good) + "\n[1, 2]\n")
    with pytest.raises(HarnessError) as exc:
        json_records(f)
    assert exc.value.line == 2
