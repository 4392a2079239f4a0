"""Helpers for the deploy tests (odd instruments, simulated platform exports built from our forms), and
checks that the simulated exports have the layout of the genuine ones in ../shared/exports."""

from __future__ import annotations

import csv
import json
import textwrap

import numpy as np
from openpyxl import load_workbook

ODD_YAML = textwrap.dedent("""\
    id: odd
    version: "0.3"
    title: {id: "Uji <b>aneh</b>", en: "Odd <script>alert(1)</script> test"}
    provenance: "Test fixture & nothing else"
    licence: "CC0"
    response_scales:
      yesno:
        options:
          - {code: 0, label: {id: Tidak, en: "No"}}
          - {code: 1, label: {id: Ya, en: "Yes"}}
      big:
        options:
          - {code: 1, label: {id: Satu, en: One}}
          - {code: 123456, label: {id: Banyak, en: Many}}
    scales:
      - id: s
        label: {id: Skala, en: Scale}
    items:
      - id: A.1
        scale: s
        response_scale: yesno
        text: {id: "Pertanyaan <script>alert('x')</script>", en: "Question \\"one\\" & <i>two</i>"}
      - id: B-2
        scale: s
        response_scale: yesno
        text: {id: Kedua, en: Second}
    """)


def odd_yaml(tmp_path, *, with_big=False):
    text = ODD_YAML
    if with_big:
        text += "  - id: C3\n    response_scale: big\n    text: {id: Ketiga, en: Third}\n"
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def simulate(inst, n=8, seed=1):
    """Random valid codes for every item and attention check; constant sums add up to their total."""
    rng = np.random.default_rng(seed)
    out = {}
    for iid, it in inst.all_items().items():
        rs = inst.response_scales[it.response_scale]
        if rs.numeric:
            out[iid] = rng.integers(0, 34, n).astype(float)
        else:
            out[iid] = rng.choice(np.array(rs.codes(), dtype=float), n)
    for cs in inst.constant_sums:
        out[cs.items[-1]] = cs.total - sum(out[i] for i in cs.items[:-1])
    return out


def kobo_csv(form_path, values, out_path):
    """A KoboToolbox CSV export (';'-separated, group paths, _uuid/_submission_time) for our XLSForm."""
    rows = list(load_workbook(form_path)["survey"].iter_rows(values_only=True))
    head = list(rows[0])
    ti, ni = head.index("type"), head.index("name")
    stack, cols = [], {}
    for r in rows[1:]:
        t, name = r[ti], r[ni]
        if t == "begin_group":
            stack.append(name)
        elif t == "end_group":
            stack.pop()
        elif name:
            cols[name] = "/".join([*stack, name])
    n = len(next(iter(values.values())))
    header = ["start", "end", *[cols[i] for i in values], "_id", "_uuid", "_submission_time", "_index"]
    with open(out_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        for k in range(n):
            w.writerow(["2024-05-01T08:00:00.000+07:00", "2024-05-01T08:12:30.000+07:00",
                        *[f"{values[i][k]:g}" for i in values],
                        1000 + k, f"5f1c0a3e-0000-4000-8000-{k:012d}", "2024-05-01T01:12:31", k + 1])
    return cols


def qualtrics_csv(qsf_path, values, out_path, *, numeric=False):
    """A modern Qualtrics CSV export (3 header rows; choice text unless numeric) for our .qsf."""
    from engagesurvey.deploy.qualtrics import export_columns

    with open(qsf_path, encoding="utf-8") as fh:
        qsf = json.load(fh)
    qs = {e["Payload"]["QuestionID"]: e["Payload"] for e in qsf["SurveyElements"] if e["Element"] == "SQ"}
    meta = [("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
            ("Status", "Response Type", "status"), ("Progress", "Progress", "progress"),
            ("Duration (in seconds)", "Duration (in seconds)", "duration"), ("Finished", "Finished", "finished"),
            ("RecordedDate", "Recorded Date", "recordedDate"), ("ResponseId", "Response ID", "_recordId")]
    cols = []
    for col, (qid, cid) in export_columns(qsf).items():
        p = qs[qid]
        label = p["QuestionText"] + (" - " + p["Choices"][cid]["Display"] if cid else "")
        imp = qid + (f"_{cid}" if cid else ("_TEXT" if p["QuestionType"] == "TE" else ""))
        cols.append((col, label, imp, p))
    n = len(next(iter(values.values())))
    with open(out_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([m[0] for m in meta] + [c[0] for c in cols])
        w.writerow([m[1] for m in meta] + [c[1] for c in cols])
        w.writerow([json.dumps({"ImportId": m[2]}, separators=(",", ":")) for m in meta]
                   + [json.dumps({"ImportId": c[2]}, separators=(",", ":")) for c in cols])
        for k in range(n):
            row = ["2024-05-01 08:00:00", "2024-05-01 08:10:00", "IP Address", "100", "600", "True",
                   "2024-05-01 08:10:01", f"R_{k:015d}"]
            for col, _, _, p in cols:
                v = values[col][k]
                if p["QuestionType"] in ("Matrix", "MC") and not numeric:
                    key = {float(c): a for a, c in p["RecodeValues"].items()}[float(v)]
                    row.append((p["Answers"] if p["QuestionType"] == "Matrix" else p["Choices"])[key]["Display"])
                else:
                    row.append(f"{v:g}")
            w.writerow(row)
    return [c[0] for c in cols]


def limesurvey_headings(tsv_path):
    """Response-export headings LimeSurvey makes from a structure file: Q, Q[SQ] (primary language)."""
    with open(tsv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    lang = next(r["text"] for r in rows if r["class"] == "S" and r["name"] == "language")
    cols, q = [], None
    for r in rows:
        if r["language"] != lang:
            continue
        if r["class"] == "Q":
            q = r
            if r["type/scale"] in ("L", "N"):
                cols.append(r["name"])
        elif r["class"] == "SQ":
            cols.append(f"{q['name']}[{r['name']}]")
    return cols


def limesurvey_csv(tsv_path, item_order, values, out_path):
    """A LimeSurvey CSV response export with question-code headings and answer codes."""
    cols = limesurvey_headings(tsv_path)
    assert len(cols) == len(item_order)
    n = len(next(iter(values.values())))
    with open(out_path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", *cols])
        for k in range(n):
            w.writerow([k + 1, "2024-05-01 08:10:00", 9, "id", 12345 + k, "2024-05-01 08:00:00",
                        "2024-05-01 08:10:00", *[f"{values[i][k]:g}" for i in item_order]])
    return cols


# ------------------------------------------------------------- the simulations look like the genuine files


def test_simulated_qualtrics_export_has_the_genuine_header_rows(exports_dir, tmp_path):
    from engagesurvey.deploy import export_instrument
    from engagesurvey.instrument import load_instrument

    with open(exports_dir / "qualtrics" / "qualtRics-sample.csv", encoding="utf-8", newline="") as fh:
        genuine = list(csv.reader(fh))
    inst_values = simulate(load_instrument("we"))
    form = export_instrument("we", "qualtrics", tmp_path / "we.qsf")
    qualtrics_csv(form, inst_values, tmp_path / "we.csv")
    with open(tmp_path / "we.csv", encoding="utf-8", newline="") as fh:
        ours = list(csv.reader(fh))
    for row3 in (genuine[2], ours[2]):
        assert all(json.loads(c).keys() == {"ImportId"} for c in row3)
    assert {"StartDate", "EndDate", "ResponseId", "Duration (in seconds)", "Finished"} <= set(genuine[0])
    assert {"StartDate", "EndDate", "ResponseId", "Duration (in seconds)", "Finished"} <= set(ours[0])
    assert json.loads(genuine[2][genuine[0].index("Q1")])["ImportId"] == "QID1"
    assert json.loads(ours[2][ours[0].index("we_vi1")])["ImportId"] == "QID1_1"


def test_simulated_limesurvey_headings_look_like_limesurvey_codes(exports_dir, tmp_path):
    from engagesurvey.deploy import export_instrument

    with open(exports_dir / "limesurvey" / "limonaid-testing-export.txt", encoding="utf-8", newline="") as fh:
        genuine = list(csv.DictReader(fh, delimiter="\t"))
    assert limesurvey_headings_from_rows(genuine) == ["onlyQuestion"]
    heads = limesurvey_headings(export_instrument("climate", "limesurvey", tmp_path / "c.txt"))
    assert heads[0] == "climate[fa1]" and len(heads) == 11


def limesurvey_headings_from_rows(rows):
    lang = next(r["text"] for r in rows if r["class"] == "S" and r["name"] == "language")
    return [r["name"] for r in rows if r["class"] == "Q" and r["language"] == lang
            and r["type/scale"] in ("L", "N")]
