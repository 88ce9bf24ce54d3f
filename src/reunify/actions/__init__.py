"""The only code that changes state.

Each action is one function: atomic, with a keyword-only ``actor``, and it appends its ledger
entry (``reunify.actions.ledger.append_entry``) in the same transaction as the change.
"""
