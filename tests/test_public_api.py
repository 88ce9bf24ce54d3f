"""The public surface is pinned: commands, actions and the simulator change only on purpose."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import reunify.actions
from reunify.cli.main import build_parser

COMMANDS = {
    "access", "backup", "cases", "demo", "erase", "evaluate", "explain", "export", "families",
    "ingest", "ledger", "link", "migrate", "prune", "register", "report", "restore", "review",
    "serve", "simulate", "tracing", "user",
}

ACTIONS = {
    "access": {"record_cli_reads", "record_reads"},
    "access_audit": {"digest_access_log", "prune"},
    "access_queue": {"flush_at_exit", "insert_rows", "replay_orphans", "spool_folder"},
    "backup": {"backup_store", "restore_store", "store_holds_data"},
    "backup_crypto": {"decrypt_file", "encrypt_file"},
    "case_records": {"log_contact", "record_wishes", "request_determination", "sign_off"},
    "casework": {"assign_case", "close_case", "follow_persons", "move_case", "open_case",
                 "open_cases", "repoint_case"},
    "erasure": {"approve_erasure", "erase_person_data", "request_erasure"},
    "export": {"export_rows"},
    "claim": {"decide_claim"},
    "family": {"build_families"},
    "family_relations": set(),
    "ingest": {"ingest_paths"},
    "ledger": {"append_entries", "append_entry", "append_reported_decisions",
               "failed_checkpoint", "forget_failed_checkpoint", "hold_ledger_lock",
               "in_transaction", "leaf_hash", "sign_checkpoint", "sign_pending",
               "unsigned_entries"},
    "ledger_export": {"export_ledger"},
    "link": {"link"},
    "link_new": {"link_new_records"},
    "register": {"forget_register", "store_intervals"},
    "record_writing": set(),
    "review": {"decide_pair", "decide_records"},
    "second_factor": {"approve_reset", "enrol", "request_reset", "use_recovery_code"},
    "sign_in": {"settle_attempt", "take_attempt"},
    "store_lock": {"rebuild_lock"},
    "table_writing": {"write_table_rows"},
    "tracing": {"decide_candidate", "match_inquiries"},
    "tracing_context": set(),
    "tracing_intake": {"open_inquiries", "take_call"},
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
