"""What is recorded on a case: the contact log (and the first-contact deadline it meets), the
parent's wishes (versions, never overwritten; their flags), and the two-person rule."""

from __future__ import annotations

import datetime as dt

import pytest

from family_store import StoreBuilder
from reunify.actions.case_records import (
    log_contact,
    record_wishes,
    request_determination,
    sign_off,
)
from reunify.actions.casework import move_case
from reunify.models import Case, Determination, LedgerEntry, ParentWishes, PersonRecord
from reunify.queries.cases import case_lines, case_page
from reunify.queries.register import register_rows
from reunify.rules import casework as rules
from test_casework import DAY, open_all, separate

pytestmark = pytest.mark.django_db


def _one_case() -> Case:
    """A 9-year-old's case: reunification is due in 30 days, first contact in 10."""
    store = StoreBuilder()
    separate(store, "a", child_birth="2009-01-01")
    (case,) = open_all()
    return case


def _child_row(as_of: dt.date) -> dict:
    return next(r for r in register_rows(as_of) if r["role"] == "child")


def test_a_logged_call_meets_the_first_contact_deadline():
    """Before the case keeps a contact log nothing is known of contact and nothing is flagged;
    once it logs an attempt (no answer), the child past the 10-day deadline without contact
    misses it; a call logged on day 5 meets it (in the register and on the case)."""
    case = _one_case()
    later = DAY + dt.timedelta(days=5)
    assert "deadline_missed" not in _child_row(later)["flags"]  # nothing records contact yet
    log_contact(case.pk, kind=rules.ATTEMPT, on=dt.date(2018, 7, 12), channel="phone",
                outcome=rules.NO_ANSWER, actor="cw")
    assert "deadline_missed" in _child_row(later)["flags"]  # the log shows no contact
    log_contact(case.pk, kind=rules.CALL, on=dt.date(2018, 7, 15), channel="phone",
                outcome=rules.REACHED, minutes=12, interpreter="Juan (Mam)", language="Mam",
                actor="cw")
    assert "deadline_missed" not in _child_row(later)["flags"]
    (line,) = case_lines(later)
    assert line.deadlines[0].name == "first contact"
    assert line.deadlines[0].met
    assert LedgerEntry.objects.filter(type="case.contact_logged").count() == 2


def test_a_call_needs_its_length_and_language_and_channels_are_a_vocabulary():
    """Bad log entries are refused with what was expected."""
    case = _one_case()
    with pytest.raises(rules.CaseworkError, match="minutes"):
        log_contact(case.pk, kind=rules.CALL, on=DAY, channel="phone", outcome="reached",
                    language="Mam", actor="cw")
    with pytest.raises(rules.CaseworkError, match="expected one of"):
        log_contact(case.pk, kind=rules.ATTEMPT, on=DAY, channel="pigeon",
                    outcome="reached", actor="cw")


def test_another_logged_call_missing_contact_flags_the_register():
    """Contact is judged case by case: a child whose case logs a call meets the deadline; one
    whose case logs only a failed attempt misses it; one whose case keeps no log at all is
    not judged (one case's log says nothing of another child's contact)."""
    store = StoreBuilder()
    separate(store, "a", child_birth="2009-01-01")
    separate(store, "b", child_birth="2009-01-01")
    separate(store, "c", child_birth="2009-01-01")
    first, second, third = open_all()
    log_contact(first.pk, kind=rules.CALL, on=DAY, channel="phone", outcome="reached",
                minutes=5, language="Spanish", actor="cw")
    log_contact(second.pk, kind=rules.ATTEMPT, on=DAY, channel="phone",
                outcome=rules.NO_ANSWER, actor="cw")
    missed = {r["person_id"]: "deadline_missed" in r["flags"]
              for r in register_rows(DAY + dt.timedelta(days=2)) if r["role"] == "child"}
    by_case = [missed[f"P{case.person_id:07d}"] for case in (first, second, third)]
    assert by_case == [False, True, False]


def test_wishes_are_versions_never_overwritten_and_flag_a_foreign_language():
    """A change of wishes is a new version; advised in Spanish a Mam speaker is flagged."""
    case = _one_case()
    PersonRecord.objects.filter(record_id="a-p").update(languages="Mam;K'iche'")
    record_wishes(case.pk, choice=rules.RETURN_TOGETHER, words="Quiero llevarlo conmigo",
                  advised_in="Spanish", witness="consul", on=DAY, actor="cw")
    second = record_wishes(case.pk, choice=rules.CHILD_STAYS, words="Que se quede y pida asilo",
                           advised_in="kiche", interpreter="Ana (K'iche')", witness="counsel",
                           on=DAY, actor="cw")
    assert second.version == 2
    assert ParentWishes.objects.filter(case=case).count() == 2
    assert [w.version for w in case_page(case.pk, DAY).wishes] == [2, 1]
    (line,) = case_lines(DAY)
    assert rules.WISHES_NOT_IN_OWN_LANGUAGE not in line.flags  # the latest is in K'iche'
    with pytest.raises(rules.CaseworkError, match="witness"):
        record_wishes(case.pk, choice=rules.CHILD_STAYS, words="x", advised_in="Mam",
                      witness="", on=DAY, actor="cw")


def test_first_wishes_in_spanish_to_a_mam_speaker_are_flagged():
    """``wishes_not_in_own_language`` when the advisal's language is not the parent's."""
    case = _one_case()
    PersonRecord.objects.filter(record_id="a-p").update(languages="Mam")
    record_wishes(case.pk, choice=rules.REUNIFY_HERE, words="...", advised_in="Spanish",
                  witness="officer", on=DAY, actor="cw")
    (line,) = case_lines(DAY)
    assert line.flags == [rules.WISHES_NOT_IN_OWN_LANGUAGE]


def test_a_parent_removed_without_recorded_wishes_is_flagged():
    """``removed_without_wishes`` until the parent's wishes are recorded."""
    store = StoreBuilder()
    separate(store, "a")
    store.event("border", "a-p", "removed", "2018-07-15", custodian="ICE")
    (case,) = open_all()
    (line,) = case_lines(DAY)
    assert line.flags == [rules.REMOVED_WITHOUT_WISHES]
    record_wishes(case.pk, choice=rules.CHILD_STAYS, words="...", advised_in="Spanish",
                  witness="consul", on=DAY, actor="cw")
    (line,) = case_lines(DAY)
    assert line.flags == []


def test_two_person_rule_the_requester_never_signs_off():
    """A determination takes effect only when someone else signs it off."""
    case = _one_case()
    move_case(case.pk, rules.IN_CONTACT, reason="reached", actor="cw", on=DAY)
    with pytest.raises(rules.CaseworkError, match="basis"):
        request_determination(case.pk, rules.CLOSE_DECLINED, basis=" ", actor="cw")
    made = request_determination(case.pk, rules.CLOSE_DECLINED, basis="declined on a call "
                                 "with an interpreter", actor="cw")
    with pytest.raises(rules.CaseworkError, match="second person"):
        sign_off(made.pk, approve=True, note="ok", actor="CW", on=DAY)
    case.refresh_from_db()
    assert case.closed is None
    sign_off(made.pk, approve=True, note="heard the recording", actor="supervisor", on=DAY)
    case.refresh_from_db()
    assert (case.outcome, case.closed) == (rules.PARENT_DECLINED, DAY)
    with pytest.raises(rules.CaseworkError, match="already approved"):
        sign_off(made.pk, approve=False, note="no", actor="other", on=DAY)


def test_a_refused_release_leaves_the_case_open_and_an_unfit_finding_excludes_the_parent():
    """Refusal changes nothing but the determination; a signed unfit finding marks the case."""
    case = _one_case()
    with pytest.raises(rules.CaseworkError, match="to whom"):
        request_determination(case.pk, rules.RELEASE_TO_OTHER, basis="aunt", actor="cw")
    release = request_determination(case.pk, rules.RELEASE_TO_OTHER, basis="aunt in Houston",
                                    recipient="aunt", actor="cw")
    sign_off(release.pk, approve=False, note="find the mother first", actor="sup", on=DAY)
    case.refresh_from_db()
    assert case.closed is None
    assert Determination.objects.get(pk=release.pk).status == rules.REFUSED
    unfit = request_determination(case.pk, rules.PARENT_UNFIT, basis="court record", actor="cw")
    sign_off(unfit.pk, approve=True, note="checked", actor="sup", on=DAY)
    case.refresh_from_db()
    assert case.parent_excluded
    assert case.closed is None


def test_erasure_blanks_what_casework_holds_about_the_person():
    """Erasing the parent blanks their words, notes and reasons on the case; the stages,
    dates and who acted stay."""
    from reunify.actions.erasure import erase_person_data

    case = _one_case()
    record_wishes(case.pk, choice=rules.RETURN_TOGETHER, words="Soy María, vivo en Cobán",
                  advised_in="Spanish", witness="consul", on=DAY, actor="cw")
    log_contact(case.pk, kind=rules.ATTEMPT, on=DAY, channel="phone", outcome=rules.REACHED,
                note="her sister's number", actor="cw")
    counts = erase_person_data(actor="dpo", source="border", record_id="a-p")
    assert counts["case_wishes"] == 1
    wishes = ParentWishes.objects.get(case=case)
    assert (wishes.words, wishes.choice, wishes.actor) == ("", rules.RETURN_TOGETHER, "cw")
    assert case.contacts.get().note == ""
