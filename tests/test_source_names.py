"""No rule depends on a source's name: the simulator's source names appear in no string of
``linkage/``, ``rules/``, ``actions/`` or ``queries/`` (read from the code's syntax tree)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import reunify
from reunify.simulator import sources

SRC = Path(reunify.__file__).resolve().parent
#: The packages whose code decides: what they know of a source comes from its profile.
DECIDING = ("linkage", "rules", "actions", "queries")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the nodes that are docstrings (prose may name an example source)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            out.add(id(node.body[0].value))
    return out


def literals_naming(names: tuple[str, ...], root: Path = SRC) -> list[str]:
    """``path:line: literal`` for every string literal (docstrings aside, f-strings included)
    in the deciding packages that holds one of ``names`` as a whole word."""
    word = re.compile(r"(?<![a-z0-9_-])(" + "|".join(map(re.escape, names)) + r")(?![a-z0-9_-])")
    found = []
    for package in DECIDING:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = _docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and id(node) not in skip and word.search(node.value.lower()):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r}")
    return found


def test_no_source_name_is_a_literal_of_the_deciding_code():
    """None of the simulator's source names (``border``, ``docket``, …, read from the
    simulator) is a string literal in linkage/, rules/, actions/ or queries/."""
    assert len(sources.NAMES) == 4
    assert literals_naming(sources.NAMES) == []


def test_the_check_finds_a_source_name(tmp_path):
    """The check is not blind: a rule keyed on a source's name is found."""
    for package in DECIDING:
        (tmp_path / package).mkdir()
    (tmp_path / "linkage" / "rule.py").write_text(
        '"""A docstring may say border."""\nUNIT = {"border"}\nWHERE = f"{x}.docket"\n',
        encoding="utf-8")
    assert literals_naming(sources.NAMES, tmp_path) == [
        "linkage/rule.py:2: 'border'", "linkage/rule.py:3: '.docket'"]
