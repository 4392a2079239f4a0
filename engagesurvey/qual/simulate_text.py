"""Simulated open-ended answers with known themes, to test the first-pass coder.

Each comment is built from sentence templates of one or more themes of the bundled ``cid_themes``
codebook, with slots filled at random (who the supervisor is, how often), sometimes followed by a
sentence with no theme. About a quarter of the templates say the theme in words that are *not* among the
codebook's keywords, and a few neutral sentences use a keyword in another sense, so the first-pass coder
neither finds everything nor only true themes (as with real answers). The wording is our own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import EngageSurveyError

# per theme: (template, uses a keyword) ; slots {sup} supervisor, {when} frequency
TEMPLATES = {
    "id": {
        "development_needs": [
            ("{Sup} membantu saya melihat kompetensi yang masih perlu ditingkatkan.", True),
            ("Kami membahas potensi saya dan kebutuhan pengembangan untuk tahun depan.", True),
            ("Dalam dialog kinerja dibicarakan kekuatan dan kelemahan saya.", True),
            ("Saya jadi tahu keterampilan apa yang belum saya kuasai.", False),
        ],
        "reflection": [
            ("{Sup} sering bertanya kepada saya apa yang bisa dilakukan dengan cara berbeda.", True),
            ("Saya diajak merenungkan apa yang sudah berjalan baik dan yang belum.", True),
            ("Dialog itu menjadi kesempatan untuk evaluasi diri.", True),
            ("Saya diminta menceritakan pelajaran dari proyek terakhir.", False),
        ],
        "feedback": [
            ("Saya mendapat umpan balik yang jelas {when}.", True),
            ("{Sup} memberi masukan tentang laporan yang saya buat.", True),
            ("Ada apresiasi ketika pekerjaan saya selesai dengan baik.", True),
            ("{Sup} memberi tahu bagian mana dari laporan saya yang perlu diperbaiki.", False),
        ],
        "action_planning": [
            ("Kami menyusun rencana aksi untuk tiga bulan ke depan.", True),
            ("Setiap pertemuan ditutup dengan tindak lanjut yang disepakati.", True),
            ("Ada langkah konkret dan tenggat yang jelas setelah dialog.", True),
            ("Kami sepakat apa yang akan saya kerjakan sampai pertemuan berikutnya.", False),
        ],
        "ownership": [
            ("Saya dilibatkan dalam menentukan target kerja saya sendiri.", True),
            ("Saya merasa didengar dan dihargai oleh {sup}.", True),
            ("Dialog ini menumbuhkan rasa memiliki terhadap pekerjaan.", True),
            ("Pendapat saya ikut menentukan sasaran tim.", False),
        ],
        "administrative_only": [
            ("Dialog kinerja hanya formalitas untuk mengisi SKP.", True),
            ("Kami cuma tanda tangan formulir di akhir tahun.", True),
            ("Pertemuan itu sekadar menggugurkan kewajiban.", True),
            ("Isinya cuma mengejar nilai di aplikasi, tidak ada diskusi.", False),
        ],
        "barriers": [
            ("Ada banyak kendala untuk berdiskusi dengan {sup}.", True),
            ("Hambatannya adalah budaya kerja yang kaku.", True),
        ],
        "barriers_time": [
            ("{Sup} sering tidak sempat karena jadwal padat.", True),
            ("Pertemuan selalu terburu-buru.", True),
            ("Dialog sering ditunda karena {sup} sibuk.", True),
        ],
        "barriers_skills": [
            ("{Sup} belum dilatih coaching sehingga bingung memulai.", True),
            ("Kemampuan coaching {sup} masih kurang.", True),
            ("{Sup} tidak terbiasa mengajukan pertanyaan terbuka.", False),
        ],
        "barriers_workload": [
            ("Beban kerja terlalu tinggi sehingga tidak ada ruang untuk diskusi.", True),
            ("Pekerjaan menumpuk dan sering lembur.", True),
            ("Jumlah pekerjaan di unit kami tidak seimbang dengan jumlah pegawai.", False),
        ],
    },
    "en": {
        "development_needs": [
            ("{Sup} helped me see which competences I still need to build.", True),
            ("We discussed my potential and development needs for next year.", True),
            ("I now know which skills I have not mastered yet.", False),
        ],
        "reflection": [
            ("{Sup} asked me what I could do differently.", True),
            ("The dialogue is a chance to reflect on what went well.", True),
            ("I was asked to tell what I learned from the last project.", False),
        ],
        "feedback": [
            ("I get clear feedback {when}.", True),
            ("{Sup} gives input on the reports I write.", True),
            ("{Sup} tells me which parts of my report need fixing.", False),
        ],
        "action_planning": [
            ("We draw up an action plan for the next three months.", True),
            ("Every meeting ends with agreed next steps.", True),
            ("We agree what I will work on until the next meeting.", False),
        ],
        "ownership": [
            ("I am involved in setting my own targets.", True),
            ("I feel listened to and valued by {sup}.", True),
            ("My views shape the team's goals.", False),
        ],
        "administrative_only": [
            ("The performance dialogue is just a formality to fill in the SKP.", True),
            ("It is paperwork at the end of the year.", True),
            ("All that matters is the score in the application.", False),
        ],
        "barriers": [("There are many obstacles to talking with {sup}.", True)],
        "barriers_time": [("{Sup} is always busy, so meetings are rushed.", True),
                          ("Meetings are often postponed.", True)],
        "barriers_skills": [("{Sup} has never been trained in coaching.", True),
                            ("{Sup} is not used to asking open questions.", False)],
        "barriers_workload": [("The workload is too heavy to leave room for discussion.", True),
                              ("There are far more tasks than people in our unit.", False)],
    },
}
FILLERS = {
    "id": ["Secara umum suasana kantor cukup baik.", "Terima kasih atas survei ini.",
           "Saya bekerja di bagian keuangan.", "Kantor kami baru pindah gedung.",
           "Potensi banjir di sekitar kantor cukup tinggi."],
    "en": ["Overall the office climate is fine.", "Thank you for this survey.", "I work in finance.",
           "Our office moved to a new building.", "The building has the potential to flood."],
}
SLOTS = {
    "id": {"sup": ["atasan", "pimpinan", "kepala bidang", "supervisor saya"],
           "when": ["setiap bulan", "tiap triwulan", "secara rutin", "setelah setiap kegiatan"]},
    "en": {"sup": ["my supervisor", "my manager", "the head of division"],
           "when": ["every month", "every quarter", "regularly", "after every task"]},
}


def simulate_comments(n: int, themes=None, seed=None, lang: str = "id", *, p_none: float = 0.1,
                      max_themes: int = 2, p_filler: float = 0.3) -> pd.DataFrame:
    """Simulate ``n`` open-ended answers with known themes.

    Parameters
    ----------
    n : int
    themes : list of theme ids, optional (default: every theme with templates)
    seed : int or None
    lang : {"id", "en"}
    p_none : share of answers with no theme (only filler sentences)
    max_themes : each other answer has 1..max_themes themes
    p_filler : chance of adding a sentence with no theme

    Returns
    -------
    DataFrame
        ``unit`` (C0001, ...), ``text``, ``themes`` (the true themes, ``;``-joined, "" for none) and
        ``n_themes``. Pass it to :func:`evaluate_coder` as the human codes.
    """
    if lang not in TEMPLATES:
        raise EngageSurveyError(f"simulate_comments: lang must be 'id' or 'en', got {lang!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise EngageSurveyError(f"simulate_comments: n must be a positive whole number, got {n!r}")
    bank = TEMPLATES[lang]
    themes = list(bank) if themes is None else list(themes)
    unknown = [t for t in themes if t not in bank]
    if unknown:
        raise EngageSurveyError(f"simulate_comments: no templates for theme {unknown[0]!r}; "
                                f"known: {', '.join(bank)}")
    if max_themes < 1:
        raise EngageSurveyError(f"simulate_comments: max_themes must be >= 1, got {max_themes}")
    rng = np.random.default_rng(seed)
    slots = SLOTS[lang]
    k_max = min(max_themes, len(themes))
    texts, labels = [], []
    for _ in range(int(n)):
        k = 0 if rng.random() < p_none else int(rng.integers(1, k_max + 1))
        chosen = sorted(rng.choice(len(themes), size=k, replace=False)) if k else []
        sentences = []
        for j in chosen:
            options = bank[themes[j]]
            tpl = options[int(rng.integers(len(options)))][0]
            fill = {s: vals[int(rng.integers(len(vals)))] for s, vals in slots.items()}
            fill.update({s.capitalize(): v[:1].upper() + v[1:] for s, v in fill.items()})
            sentences.append(tpl.format(**fill))
        if not sentences or rng.random() < p_filler:
            filler = FILLERS[lang]
            sentences.insert(int(rng.integers(len(sentences) + 1)), filler[int(rng.integers(len(filler)))])
        texts.append(" ".join(sentences))
        labels.append(";".join(themes[j] for j in chosen))
    return pd.DataFrame({"unit": [f"C{i + 1:04d}" for i in range(int(n))], "text": texts, "themes": labels,
                         "n_themes": [len(x.split(";")) if x else 0 for x in labels]})
