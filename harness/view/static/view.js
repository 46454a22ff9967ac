// harness view: sortable tables, the citation evidence panel, and label / rating posts.
// Model text is only ever written with textContent: nothing read from the run becomes markup here.
"use strict";
(function () {
  const token = () => (document.querySelector('meta[name="harness-token"]') || {}).content || "";
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const normKey = (k) => String(k).trim().replace(/^@+/, "").replace(/^[\[\]() ]+|[\[\]() ]+$/g, "");
  const num = (t) => {
    const m = String(t).replace(/,/g, "").match(/-?\d+(\.\d+)?(e-?\d+)?/i);
    return m ? parseFloat(m[0]) : null;
  };

  function sortTable(th) {
    const table = th.closest("table");
    const body = table.tBodies[0];
    const idx = Array.from(th.parentNode.children).indexOf(th);
    const asc = th.dataset.dir !== "asc";
    th.parentNode.querySelectorAll("th").forEach((h) => delete h.dataset.dir);
    th.dataset.dir = asc ? "asc" : "desc";
    const rows = Array.from(body.rows);
    const key = (r) => (r.cells[idx] ? r.cells[idx].textContent.trim() : "");
    rows.sort((a, b) => {
      const x = key(a), y = key(b), nx = num(x), ny = num(y);
      if (nx === null && ny === null) return asc ? x.localeCompare(y) : y.localeCompare(x);
      if (nx === null) return 1;
      if (ny === null) return -1;
      return asc ? nx - ny : ny - nx;
    });
    rows.forEach((r) => body.appendChild(r));
  }

  const evidenceCache = new Map();
  function evidence(pane) {
    const id = pane.dataset.evidence;
    if (!evidenceCache.has(id)) evidenceCache.set(id, JSON.parse(document.getElementById(id).textContent));
    return evidenceCache.get(id);
  }

  async function post(url, body, status) {
    status.textContent = "saving…";
    try {
      const res = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json",
        "X-Harness-Token": token()}, body: JSON.stringify(body), credentials: "same-origin"});
      const data = await res.json();
      status.textContent = res.ok ? "saved to " + data.file : "not saved: " + (data.error || res.status);
      status.className = "status " + (res.ok ? "ok" : "bad");
    } catch (err) {
      status.textContent = "not saved: " + err;
      status.className = "status bad";
    }
  }

  function judgeRow(j, cell, cit, key) {
    const tr = el("tr", "judge");
    tr.appendChild(el("td", "", j.judge));
    tr.appendChild(el("td", "", j.method + (j.model ? " (" + j.model + ")" : "")));
    tr.appendChild(el("td", "verdict j-" + j.shown, j.verdict));
    tr.appendChild(el("td", "num", j.value === null ? "–" : j.value_name + " " + Number(j.value).toFixed(3)));
    tr.appendChild(el("td", "num", j.threshold === null ? "–" : Number(j.threshold).toFixed(3)));
    tr.appendChild(el("td", "text", j.basis || (j.judge === "support" ? j.sentence : "")));
    const td = el("td", "label");
    const status = el("span", "status");
    if (j.shown !== "unclear") {
      ["agree", "disagree", "unsure"].forEach((a) => {
        const b = el("button", "lab lab-" + a, a);
        b.type = "button";
        b.addEventListener("click", () => post("/api/label", {cell: cell, citation: cit.index, key: key,
          score: j.score, agreement: a}, status));
        td.appendChild(b);
      });
    } else {
      td.textContent = "no verdict to check";
    }
    td.appendChild(status);
    tr.appendChild(td);
    return tr;
  }

  function showCitation(span) {
    const pane = span.closest(".pane");
    const panel = document.getElementById("panel");
    if (!pane || !panel) return;
    const ev = evidence(pane);
    const cit = ev.citations[Number(span.dataset.c)];
    if (!cit) return;
    document.querySelectorAll(".cite.selected").forEach((s) => s.classList.remove("selected"));
    span.classList.add("selected");
    panel.replaceChildren();
    panel.classList.add("open");
    panel.appendChild(el("h3", "", "Citation " + cit.marker + " (" + cit.style + ")"));
    panel.appendChild(el("p", "meta", pane.dataset.cell));
    panel.appendChild(el("p", "sentence", cit.sentence || "(no sentence recorded)"));
    cit.keys.forEach((key) => {
      const ref = ev.refs[normKey(key)] || {key: key, verdict: "dangling", judges: []};
      const box = el("div", "ref");
      const head = el("h4", "", "[" + key + "] " + (ref.title || "(no title)"));
      box.appendChild(head);
      const line = el("p", "meta");
      line.appendChild(el("span", "cite v-" + (/^[a-z-]+$/.test(ref.verdict) ? ref.verdict : "unknown"), ref.verdict));
      line.appendChild(el("span", "rc", "class: " + (ref.ref_class || "unknown")));
      [["arXiv", ref.arxiv_id], ["DOI", ref.doi], ["URL", ref.url], ["paper", ref.paper_id]].forEach(([n, v]) => {
        if (v) line.appendChild(el("span", "id", n + " " + v));
      });
      box.appendChild(line);
      if (ref.raw) box.appendChild(el("p", "raw", ref.raw));
      box.appendChild(ref.abstract ? el("p", "abstract", ref.abstract) : el("p", "note", "abstract not known"));
      const judges = (ref.judges || []).concat((cit.support || {})[key] || []);
      if (judges.length) {
        const t = el("table", "judges");
        const hr = el("tr");
        ["judge", "method (model)", "verdict", "score", "threshold", "basis / sentence", "your label"].forEach(
          (h) => hr.appendChild(el("th", "", h)));
        t.appendChild(el("thead")).appendChild(hr);
        const tb = el("tbody");
        judges.forEach((j) => tb.appendChild(judgeRow(j, pane.dataset.cell, cit, key)));
        t.appendChild(tb);
        box.appendChild(t);
      } else {
        box.appendChild(el("p", "note", "no judge gave a verdict on this citation"));
      }
      panel.appendChild(box);
    });
  }

  function setupRating(form) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const ratings = {};
      form.querySelectorAll("select").forEach((s) => { if (s.value) ratings[s.name] = Number(s.value); });
      const comment = form.querySelector("textarea").value;
      post("/api/rating", {cell: form.dataset.cell, ratings: ratings, comment: comment},
        form.querySelector(".status"));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("#leaderboard-table th, #main-table th, table.sortable th, #score-table th").forEach(
      (th) => { if (th.closest("thead")) th.addEventListener("click", () => sortTable(th)); });
    document.addEventListener("click", (e) => {
      const span = e.target.closest(".cite[data-c]");
      if (span) showCitation(span);
    });
    document.addEventListener("keydown", (e) => {
      const span = e.target.closest && e.target.closest(".cite[data-c]");
      if (span && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); showCitation(span); }
    });
    const rating = document.getElementById("rating");
    if (rating) setupRating(rating);
  });
})();
