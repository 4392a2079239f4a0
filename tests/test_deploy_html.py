"""Printable HTML: both languages, boxes per option, metadata header, autoescaped texts."""

from __future__ import annotations

import re

from test_deploy_helpers import odd_yaml

from engagesurvey.deploy import export_instrument
from engagesurvey.deploy.html import render_html
from engagesurvey.instrument import combine_instruments, load_instrument


def test_header_languages_and_boxes(tmp_path):
    inst = load_instrument("cid")
    page = export_instrument(inst, "html", tmp_path / "cid.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="engagesurvey-instrument" content="cid 1.0.0">' in page
    assert "Coaching dalam Dialog Kinerja" in page and "Coaching in the Performance Dialogue" in page
    assert "CC BY 4.0" in page and "Dewi" in page  # licence and provenance
    # each item once, both languages side by side
    for it in inst.all_items().values():
        assert page.count(f"[{it.id}]") == 1
    assert "Saya menyiapkan bahan atau pertanyaan sendiri" in page
    assert "I prepare my own points or questions" in page
    # one box per option per item (21 rows x 5 options), labels in both languages in the header
    assert page.count('<td class="box">') == len(inst.all_items()) * 5
    assert "Sangat Setuju<br><span class=\"alt\">Strongly agree</span>" in page
    assert "<style>" in page and "@page" in page and "<link" not in page and "<script" not in page


def test_one_language_and_constant_sum_note():
    page = render_html(load_instrument("learning"), lang="en")
    assert 'lang="en"' in page and "Tidak Pernah" not in page and "Never" in page
    assert "The numbers must add up to 100." in page
    assert page.count('<span class="write"></span> %') == 3


def test_texts_are_escaped(tmp_path):
    page = render_html(load_instrument(odd_yaml(tmp_path)))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;aneh&lt;/b&gt;" in page and "Test fixture &amp; nothing else" in page


def test_combined_instrument_numbers_items_in_order():
    inst = combine_instruments(["we", "support"])
    page = render_html(inst)
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', page)]
    assert numbers == list(range(1, len(inst.all_items()) + 1))
    assert 'content="we+support 1.0.0+1.0.0"' in page
