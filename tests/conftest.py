"""Shared fixtures: R reference data sets and JSON fixtures, and the shared survey exports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).parent / "reference"
SHARED_EXPORTS = Path(__file__).resolve().parents[2] / "shared" / "exports"


def load_reference(name: str) -> dict:
    """The JSON written by ``tests/reference/NAME.R``."""
    with open(REFERENCE / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def load_dataset(name: str) -> pd.DataFrame:
    """A data set exported by ``tests/reference/datasets.R`` (bfi, HolzingerSwineford1939, ...)."""
    return pd.read_csv(REFERENCE / "data" / f"{name}.csv")


@pytest.fixture(scope="session")
def bfi() -> pd.DataFrame:
    return load_dataset("bfi")


@pytest.fixture(scope="session")
def hs1939() -> pd.DataFrame:
    return load_dataset("HolzingerSwineford1939")


@pytest.fixture(scope="session")
def exports_dir() -> Path:
    if not SHARED_EXPORTS.is_dir():
        pytest.skip("../shared/exports is not present")
    return SHARED_EXPORTS
