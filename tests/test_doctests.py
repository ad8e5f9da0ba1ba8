"""The worked examples in module docstrings stay true (pytest doesn't collect doctests by itself)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["agreement", "anchoring", "answering", "asked", "bands", "binding", "chunking", "claims", "corpus", "embedding",
           "evidence", "excerpts", "experience", "figures", "generation", "grounding", "headings", "html_reader", "keywords", "llm_backends", "llms", "names",
           "office", "prompting", "query", "references", "refusals", "relevance", "replies", "retrieval", "signals",
           "terms", "text", "ui_render", "uploads", "voices"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(f"assistant.{name}"))
    assert result.failed == 0
