"""``reunify families build`` and ``reunify families show PERSON``: reconstruct and inspect."""

from __future__ import annotations

import argparse
import datetime as dt
import re

from reunify.cli.actor import add_actor_option, resolve_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("families", help="rebuild families, or show a person's family")
    commands = p.add_subparsers(dest="families_command", metavar="ACTION")
    commands.required = True
    build = commands.add_parser("build", help="rebuild every family from current persons")
    add_actor_option(build)
    build.set_defaults(func=run_build)
    show = commands.add_parser("show", help="a person's family, links and custody timeline")
    show.add_argument("person", help="person id, e.g. P0000042")
    show.set_defaults(func=run_show)
    claims = commands.add_parser(
        "claims", help="name-only claims of a carer that nothing corroborated, to decide")
    add_actor_option(claims)
    claims.set_defaults(func=run_claims)
    decide = commands.add_parser("decide", help="decide a claim: it names PERSON, or nobody")
    decide.add_argument("claim", type=int, help="claim number, from `families claims`")
    decide.add_argument("decision", choices=("accept", "reject"))
    decide.add_argument("--person", help="with accept: the person the claim names (P0000042)")
    decide.add_argument("--reason", required=True)
    add_actor_option(decide)
    decide.set_defaults(func=run_decide)


def run_build(args: argparse.Namespace) -> int:
    from reunify.actions.family import build_families
    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console

    actor = resolve_actor(args)
    prepare_store()
    console = Console()
    run = build_families(actor=actor, progress=console)
    console.print(f"family run {run.pk}: {run.stats}")
    # Cases follow the rebuilt families: children the register now shows separated (as of
    # the latest day of the data) get theirs (docs/casework.md).
    from reunify.actions.casework import follow_persons, open_cases
    from reunify.queries.cases import latest_data_day, needed_cases

    day = latest_data_day()
    follow_persons(actor=actor)
    opened = open_cases(needed_cases(day), actor=actor, on=day)
    console.print(f"cases: {len(opened)} opened as of {day.isoformat()}")
    refresh_register_now(console, actor)
    return 0


def refresh_register_now(console, actor: str) -> None:
    """Compute the register's intervals now rather than on a first request, and say the
    register of the days views open on."""
    from reunify.reports.register import refresh_register

    for day in refresh_register(actor=actor):
        console.print(f"register as of {day.as_of.isoformat()}: {day.rows} rows, from its "
                      f"intervals stored at data version {day.version}")


def run_show(args: argparse.Namespace) -> int:
    from rich.table import Table

    from reunify.actions.access import record_cli_reads
    from reunify.cli.actor import reader
    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console
    from reunify.models import FamilyLink
    from reunify.queries.families import current_families, current_run, person_facts
    from reunify.queries.standing import person_standing
    from reunify.queries.timeline import person_timeline

    console = Console()
    match = re.fullmatch(r"P?0*(\d+)", args.person.strip())
    if not match:
        console.print(f"{args.person!r} is not a person id (P0000042)")
        return 2
    person = int(match.group(1))
    prepare_store()
    family = next((f for f in current_families() if person in f.members), None)
    members = family.members if family else {person: ""}
    record_cli_reads("families show", [f"P{p:07d}" for p in members], actor=reader())
    facts = person_facts(members)
    if family is None:
        console.print(f"P{person:07d} is in no family")
    else:
        table = Table(title=f"family {family.public_id} {';'.join(family.flags)}")
        for column in ("person", "role", "name", "birth date"):
            table.add_column(column)
        for p, role in members.items():
            table.add_row(f"P{p:07d}", role, facts[p].name, facts[p].birth_date)
        console.print(table)
        links = Table(title="evidence")
        for column in ("from", "relation", "to", "evidence", "strength", "conflict"):
            links.add_column(column)
        for link in FamilyLink.objects.filter(family_id=family.pk, family__run=current_run()):
            links.add_row(f"P{link.from_person_id:07d}", link.relation,
                          f"P{link.to_person_id:07d}", link.evidence, f"{link.strength:.2f}",
                          link.conflict)
        console.print(links)
    today = dt.date.today()
    for p in members:
        timeline = person_timeline(p)
        now = person_standing(p, today)
        events = Table(title=f"custody of P{p:07d}: {now.status}, held by "
                       f"{now.custodian or 'nobody known'} {now.facility}")
        for column in ("when", "event", "custodian", "facility", "sources"):
            events.add_column(column)
        for e in timeline.events:
            events.add_row(e.at.isoformat(), e.type, e.custodian, e.facility,
                           ", ".join(f"{s}:{i}" for s, i in e.sources))
        console.print(events)
        for gap in timeline.gaps:
            console.print(f"  gap: nobody known to hold them from {gap.start} "
                          f"to {gap.end or 'now'}")
    return 0


def run_claims(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from reunify.actions.access import record_reads
    from reunify.cli.main import prepare_store
    from reunify.queries.families import open_claims

    actor = resolve_actor(args)
    prepare_store()
    claims = open_claims()
    console = Console()
    table = Table(title=f"{len(claims)} claims to decide (`reunify families decide N …`)")
    for column in ("claim", "record", "claimant", "says", "named", "candidates"):
        table.add_column(column)
    for c in claims:
        table.add_row(str(c.pk), escape(f"{c.source}:{c.record_id}"), f"P{c.claimant:07d}",
                      c.relation, escape(c.other_name),
                      "; ".join(f"P{p:07d} ({', '.join(f) or 'name only'})"
                                for p, f in c.candidates) or "—")
    console.print(table)
    record_reads("person", [f"P{c.claimant:07d}" for c in claims],
                 actor=actor, role="cli",
                 route="cli:families claims")
    return 0


def run_decide(args: argparse.Namespace) -> int:
    from reunify.actions.claim import decide_claim
    from reunify.cli.main import prepare_store
    from reunify.models import FamilyClaim

    actor = resolve_actor(args)
    person = None
    if args.person:
        match = re.fullmatch(r"P?0*(\d+)", args.person.strip())
        if match is None:
            print(f"{args.person!r} is not a person id (P0000042)")
            return 2
        person = int(match.group(1))
    prepare_store()
    try:
        made = decide_claim(args.claim, "accepted" if args.decision == "accept" else "rejected",
                            reason=args.reason, actor=actor, person_pk=person)
    except (ValueError, FamilyClaim.DoesNotExist) as error:
        print(f"not decided: {error}")
        return 2
    print(f"claim {args.claim}: {made.decision}; it takes effect at the next `families build`")
    return 0
