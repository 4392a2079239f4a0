"""Readers for survey exports: CSV/TSV, Excel, SPSS, Stata and the layouts of Qualtrics, Google Forms,
KoboToolbox/ODK, LimeSurvey, REDCap and SurveyMonkey. See ``docs/importing.md``."""

from .responses import Responses, read_responses

__all__ = ["Responses", "read_responses"]
