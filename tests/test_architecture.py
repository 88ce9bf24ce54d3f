"""Architecture promises import-linter cannot see: only actions write; actions take an actor."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import reunify.actions

SRC = Path(reunify.actions.__file__).resolve().parents[1]

#: ORM and SQL write paths. A match outside actions/ (and schema set-up) is a bypass of the ledger.
_WRITE_CALL = re.compile(
    r"\.objects\.(?:[^\n]*\.)?(?:create|update|delete|bulk_create|bulk_update|get_or_create|"
    r"update_or_create)\(|\.save\(|\.delete\(\)|\b(?:INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b",
    re.IGNORECASE,
)
#: web/sessions.py is Django's session engine (it writes sessions, never records or decisions).
_MAY_WRITE = ("actions/", "migrations/", "web/sessions.py")
#: Lines that write, but not the store's data: schema set-up, the linker's in-memory DuckDB tables.
_NOT_THE_STORE = ("# schema, not data", "# DuckDB scratch", "# nosec B608 DuckDB scratch")


def test_only_actions_write():
    """No module outside ``actions/`` calls an ORM or SQL write path."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(_MAY_WRITE):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _WRITE_CALL.search(line) and not any(mark in line for mark in _NOT_THE_STORE):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def _public_functions(module) -> list[tuple[str, object]]:
    return [
        (name, fn) for name, fn in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and fn.__module__ == module.__name__
    ]


#: Functions in actions/ that change nothing by themselves (pure helpers the actions share).
_NOT_ACTIONS = {"reunify.actions.ledger.leaf_hash", "reunify.actions.ledger.in_transaction",
                # reads, locks and the process's own bookkeeping
                "reunify.actions.ledger.unsigned_entries",
                "reunify.actions.ledger.failed_checkpoint",
                "reunify.actions.ledger.forget_failed_checkpoint",
                "reunify.actions.ledger.hold_ledger_lock",
                "reunify.actions.store_lock.rebuild_lock",
                "reunify.actions.backup.store_holds_data",
                "reunify.actions.backup_crypto.encrypt_file",
                "reunify.actions.backup_crypto.decrypt_file",
                # the access log's write path: each row carries the actor who read
                "reunify.actions.access_queue.insert_rows",
                "reunify.actions.access_queue.replay_orphans",
                "reunify.actions.access_queue.spool_folder",
                "reunify.actions.access_queue.flush_at_exit",
                # derived rows written inside an action's own transaction
                "reunify.actions.table_writing.write_table_rows"}


def test_every_action_takes_a_keyword_only_actor():
    """Every public function of ``reunify.actions`` takes ``actor`` as a keyword-only argument."""
    missing = []
    for info in pkgutil.iter_modules(reunify.actions.__path__):
        module = importlib.import_module(f"reunify.actions.{info.name}")
        for name, fn in _public_functions(module):
            qualified = f"{module.__name__}.{name}"
            if qualified in _NOT_ACTIONS:
                continue
            parameter = inspect.signature(fn).parameters.get("actor")
            if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
                missing.append(qualified)
    assert missing == []


def test_rules_do_no_io():
    """``rules/`` opens no files and reads no environment: pure functions of their arguments."""
    offenders = []
    for path in sorted((SRC / "rules").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {
                "open", "input", "print",
            }:
                offenders.append(f"{path.name}:{node.lineno}: {node.func.id}()")
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                offenders.append(f"{path.name}:{node.lineno}: {node.attr}")
    assert offenders == []


def test_splink_is_imported_in_one_module_only():
    """Only ``linkage/engine.py`` imports Splink; everything else asks the engine."""
    importers = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "splink" or name.startswith("splink.") for name in names):
                importers.append(path.relative_to(SRC).as_posix())
    assert sorted(set(importers)) == ["linkage/engine.py"]
