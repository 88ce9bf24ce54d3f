"""The public surface is pinned: commands, actions and the simulator change only on purpose."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import reunify.actions
from reunify.cli.main import build_parser

COMMANDS = {
    "demo", "evaluate", "explain", "export", "families", "ingest", "ledger", "link", "migrate",
    "register", "report", "review", "serve", "simulate", "user",
}

ACTIONS = {
    "access": {"record_reads"},
    "erasure": {"erase_person_data"},
    "export": {"export_rows"},
    "claim": {"decide_claim"},
    "family": {"build_families"},
    "ingest": {"ingest_paths"},
    "ledger": {"append_entries", "append_entry", "append_reported_decisions", "in_transaction",
               "leaf_hash", "sign_checkpoint"},
    "ledger_export": {"export_ledger"},
    "link": {"link"},
    "register": {"forget_register", "store_register"},
    "record_writing": set(),
    "review": {"decide_pair", "decide_records"},
    "users": {"assign", "change_password", "create_demo_users", "create_user", "disable_user",
              "record_sign_in", "record_sign_in_failure", "set_role", "unassign"},
    "witness": {"publish_checkpoint"},
}


def test_cli_commands_are_pinned():
    """``reunify --help`` lists exactly these commands."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == COMMANDS


def test_actions_are_pinned():
    """Every state change is one of these functions; a new one is added here on purpose."""
    found = {}
    for info in pkgutil.iter_modules(reunify.actions.__path__):
        module = importlib.import_module(f"reunify.actions.{info.name}")
        found[info.name] = {
            name for name, fn in inspect.getmembers(module, inspect.isfunction)
            if not name.startswith("_") and fn.__module__ == module.__name__
        }
    assert found == ACTIONS


def test_simulator_surface_is_pinned():
    """The simulator exports ``simulate``, its rates, its default as-of date and its version."""
    import reunify.simulator

    assert set(reunify.simulator.__all__) == {"DEFAULT_AS_OF", "SIMULATOR_VERSION", "Rates",
                                              "simulate"}
    parameters = inspect.signature(reunify.simulator.simulate).parameters
    assert [p for p in parameters if parameters[p].kind is inspect.Parameter.KEYWORD_ONLY] == [
        "families", "seed", "as_of", "fmt", "progress", "rates", "conventions", "source_names",
    ]
