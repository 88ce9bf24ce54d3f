"""Each concept has one implementation: no second name folder, date parser, phone key or
string distance grows back beside the one in ``reunify.rules``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "reunify"


def _imports() -> dict[str, set[str]]:
    """Top-level modules each source file imports, by path relative to the package."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        names = found.setdefault(str(path.relative_to(SRC)), set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return found


def test_one_module_per_concept_library():
    """Accents are stripped only in rules/names.py (the name folder), phone numbers parsed
    only in rules/phones.py (the phone key); difflib is not used (rapidfuzz is the one string
    distance)."""
    imports = _imports()
    assert [p for p, m in imports.items() if "unicodedata" in m] == ["rules/names.py"]
    assert [p for p, m in imports.items() if "phonenumbers" in m] == ["rules/phones.py"]
    assert [p for p, m in imports.items() if "difflib" in m] == []


def test_one_partial_date_parser():
    """Only rules/dates.py holds a pattern of a partial date (YYYY, -MM, -DD)."""
    pattern = re.compile(r"\{4\}\)\(\?:-")
    holders = [str(p.relative_to(SRC)) for p in sorted(SRC.rglob("*.py"))
               if pattern.search(p.read_text(encoding="utf-8"))]
    assert holders == ["rules/dates.py"]


def test_no_second_copy_of_a_key_function():
    """No module defines its own phone key, A-number key, name tokens, birth-date parser or
    Jaro-Winkler outside the one that owns the concept."""
    owners = {"phone_key": set(), "a_number_key": set(), "name_tokens": set(),
              "parse_birth_date": set(), "jaro_winkler": {"rules/names.py"},
              "fold": {"rules/names.py"}, "is_partial_date": {"interchange/values.py"}}
    found: dict[str, set[str]] = {name: set() for name in owners}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in owners:
                found[node.name].add(str(path.relative_to(SRC)))
    assert found == owners
