"""Make a real Taguette highlights export (CSV and XLSX) from a tiny project, with Taguette's own export
code (pip install taguette). Run from tests/reference/: python qual_taguette.py
-> data/qual_taguette_highlights.csv, data/qual_taguette_highlights.xlsx. tests/test_qual_imports.py reads
these files, and rebuilds them in a temporary folder when Taguette is installed."""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

TEXTS = {
    "R001": "Atasan saya membantu saya menyusun rencana aksi. Tapi waktunya sangat terbatas.",
    "R002": "Dialog kinerja hanya formalitas untuk mengisi SKP.",
    "R003": "Saya mendapat umpan balik setiap bulan dan merasa dilibatkan.",
}
# (document, start, end, tags)
HIGHLIGHTS = [
    ("R001", 0, 48, ["action_planning"]),
    ("R001", 49, 80, ["barriers.time_pressure"]),
    ("R002", 0, 51, ["administrative_only"]),
    ("R003", 0, 39, ["feedback", "Ownership and participation"]),
]


def build(out_dir: Path) -> tuple[Path, Path]:
    logging.disable(logging.WARNING)
    from taguette import database, export

    db = database.connect("sqlite:///:memory:")()
    proj = database.Project(name="engagesurvey fixture", description="")
    db.add(proj)
    db.flush()
    docs = {}
    for name, txt in TEXTS.items():
        d = database.Document(name=name, description="", filename=name + ".txt", project=proj,
                              text_direction=database.TextDirection.LEFT_TO_RIGHT, contents=txt)
        db.add(d)
        docs[name] = d
    tags = {}
    for *_, tg in HIGHLIGHTS:
        for t in tg:
            tags.setdefault(t, database.Tag(project=proj, path=t, description=""))
    db.add_all(tags.values())
    db.flush()
    for doc, s, e, tg in HIGHLIGHTS:
        h = database.Highlight(document=docs[doc], start_offset=s, end_offset=e, snippet=TEXTS[doc][s:e])
        h.tags = [tags[t] for t in tg]
        db.add(h)
    db.commit()
    buf = io.StringIO()
    export.highlights_csv(db, proj.id, "", buf)
    csv_path = out_dir / "qual_taguette_highlights.csv"
    csv_path.write_text(buf.getvalue(), encoding="utf-8")
    xlsx_path = out_dir / "qual_taguette_highlights.xlsx"
    export.highlights_xslx(db, proj.id, "", str(xlsx_path))
    return csv_path, xlsx_path


if __name__ == "__main__":
    for p in build(Path(sys.argv[1] if len(sys.argv) > 1 else "data")):
        print("wrote", p)
