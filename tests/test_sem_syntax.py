"""Parser and parameter table of the SEM engine (lavaan syntax)."""

from __future__ import annotations

import pytest

from engagesurvey.errors import ModelSyntaxError
from engagesurvey.sem import parse_model
from engagesurvey.sem.partable import build_partable


def test_operators_modifiers_and_comments():
    fs = parse_model("""
    # a comment
    f1 =~ x1 + a*x2 + 0.5*x3   ! another comment
    f2 =~ NA*x4 + x5 +
          x6
    f2 ~ b*f1 ; x1 ~~ x4
    f1 + f2 ~ 1
    ind := a*b
    """)
    got = [(f.lhs, f.op, f.rhs) for f in fs]
    assert got == [("f1", "=~", "x1"), ("f1", "=~", "x2"), ("f1", "=~", "x3"), ("f2", "=~", "x4"),
                   ("f2", "=~", "x5"), ("f2", "=~", "x6"), ("f2", "~", "f1"), ("x1", "~~", "x4"),
                   ("f1", "~1", ""), ("f2", "~1", ""), ("ind", ":=", "a*b")]
    assert fs[1].label == ["a"] and fs[2].fixed == [0.5] and fs[3].free_forced
    assert fs[4].line == 4 and fs[5].line == 4 and fs[6].label == ["b"]


def test_per_group_vectors_and_start():
    fs = parse_model("f =~ x1 + c(a1, a2)*x2 + start(0.7)*x3 + c(1, NA)*x4")
    assert fs[1].label == ["a1", "a2"]
    assert fs[2].start == [0.7]
    assert fs[3].fixed == [1.0, None]


def test_partable_defaults_cfa():
    pt, names = build_partable("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6")
    first = pt[(pt.op == "=~") & (pt.rhs == "x1")].iloc[0]
    assert first.free == 0 and first.ustart == 1.0
    assert ((pt.op == "~~") & (pt.lhs == pt.rhs)).sum() == 8  # 6 residual + 2 latent variances
    assert ((pt.op == "~~") & (pt.lhs == "visual") & (pt.rhs == "textual")).sum() == 1
    assert pt.free.max() == 13


def test_partable_std_lv_and_labels():
    pt, _ = build_partable("f =~ x1 + a*x2 + a*x3", std_lv=True)
    assert pt[(pt.op == "=~") & (pt.rhs == "x1")].free.iat[0] > 0
    assert pt[(pt.op == "~~") & (pt.lhs == "f")].free.iat[0] == 0
    lab = pt[pt.label == "a"].free
    assert lab.nunique() == 1  # equal loadings share one parameter


def test_partable_group_equal():
    pt, _ = build_partable("f =~ x1 + x2 + x3", ngroups=2, meanstructure=True,
                           group_equal=("loadings", "intercepts"))
    x2 = pt[(pt.op == "=~") & (pt.rhs == "x2")].free
    assert x2.nunique() == 1
    mean2 = pt[(pt.op == "~1") & (pt.lhs == "f") & (pt.group == 2)].free.iat[0]
    assert mean2 > 0  # latent mean freed in group 2 when intercepts are equal


@pytest.mark.parametrize("text, match", [
    ("f =~ x1 + x2\nf =~ x3 + 2x", r"line 2: invalid variable name '2x'"),
    ("f =~ x1 +\n", r"line 1: missing term"),
    ("f x1 x2", r"line 1: no operator"),
    ("f =~ x1 + x2\ny <~ x1", r"line 2: operator '<~'"),
    ("", r"empty"),
    ("f =~ x1 + x$2", r"invalid variable name 'x\$2'"),
])
def test_syntax_errors_name_line_and_token(text, match):
    with pytest.raises(ModelSyntaxError, match=match):
        parse_model(text)


def test_duplicate_parameter_is_an_error():
    with pytest.raises(ModelSyntaxError, match=r"line 2: parameter f =~ x1 is specified twice"):
        build_partable("f =~ x1 + x2 + x3\nf =~ x1")
