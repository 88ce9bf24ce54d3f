"""Accounts from the command line and the demonstration accounts of ``reunify serve``."""

from __future__ import annotations

import pytest

from reunify.actions.users import create_demo_users
from reunify.models import Assignment, LedgerEntry, RoleGrant
from reunify.rules.grants import ROLES, SECOND_FACTOR_REQUIRED
from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def test_demo_users_one_per_role_with_codes_and_families(world):
    """One account per role; a TOTP secret exactly for the roles that need one; caseworker and
    counsel get separate families; a second call creates nothing."""
    made = create_demo_users(actor="tester", families_each=1)
    assert [u.role for u in made] == list(ROLES)
    for user in made:
        assert bool(user.totp_secret) == (user.role in SECOND_FACTOR_REQUIRED)
        assert len(user.password) >= 12
    assigned = {u.role: u.assigned for u in made if u.assigned}
    assert set(assigned) == {"caseworker", "counsel"}
    assert not set(assigned["caseworker"]) & set(assigned["counsel"])
    assert create_demo_users(actor="tester") == []
    assert RoleGrant.objects.filter(user__username__startswith="demo-").count() == len(ROLES)


def test_user_command_creates_assigns_and_disables(run_cli, cli_env):
    """``reunify user`` creates an account (password from the environment, never the command
    line), assigns it a person's families, disables it; each change is a ledger entry."""
    env = dict(cli_env, REUNIFY_NEW_PASSWORD="a long enough passphrase 7")
    created = run_cli("user", "create", "ana", "--role", "caseworker", env=env)
    assert created.returncode == 0, created.stderr
    assert "created ana (caseworker)" in created.stdout
    steward = run_cli("user", "create", "sam", "--role", "data_steward", env=env)
    assert "one-time-code secret" in steward.stdout
    bad = run_cli("user", "assign", "ana", "X12", env=env)
    assert bad.returncode == 2
    missing = run_cli("user", "assign", "ana", "P0000001", env=env)
    assert missing.returncode == 2  # no such person in an empty store
    unknown_role = run_cli("user", "role", "ana", "sheriff", env=env)
    assert unknown_role.returncode == 2
    assert "unknown role" in unknown_role.stderr
    disabled = run_cli("user", "disable", "ana", env=env)
    assert disabled.returncode == 0, disabled.stderr


def test_assignment_of_a_role_that_is_not_assigned_families_is_refused(world):
    """Only caseworkers and counsel are assigned families."""
    from reunify.actions.users import AccountError, assign

    before = LedgerEntry.objects.count()
    with pytest.raises(AccountError):
        assign(world.users["monitor"].pk, world.children["a"], actor="tester")
    assert not Assignment.objects.filter(user=world.users["monitor"]).exists()
    assert LedgerEntry.objects.count() == before
