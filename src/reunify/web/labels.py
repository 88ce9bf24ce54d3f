"""Labels of the casework vocabulary (``reunify.rules.casework``) and of the register's words,
translated: the words are stored and exported in English, shown in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reunify.rules import casework as c

LABELS = {
    # stages
    c.OPEN: _("open"), c.PARENT_LOCATED: _("parent located"), c.IN_CONTACT: _("in contact"),
    c.WISHES_RECORDED: _("wishes recorded"), c.VERIFIED: _("verified"),
    c.REUNIFICATION_PLANNED: _("reunification planned"), c.CLOSED: _("closed"),
    # outcomes
    c.REUNIFIED: _("reunified"), c.RELEASED_TO_SPONSOR: _("released to a sponsor"),
    c.PARENT_DECLINED: _("parent declined"), c.MERGED: _("merged into another case"),
    # determinations and their states
    c.PARENT_UNFIT: _("parent unfit or a danger"), c.CLOSE_DECLINED: _("close as parent declined"),
    c.RELEASE_TO_OTHER: _("release to someone other than a parent"),
    c.APPROVED: _("approved"), c.REFUSED: _("refused"), c.PENDING: _("waiting for sign-off"),
    # contact log
    c.ATTEMPT: _("attempt to reach the parent"), c.CALL: _("call between parent and child"),
    "phone": _("phone"), "whatsapp": _("WhatsApp"), "consulate": _("consulate"),
    "ngo_field_search": _("NGO field search"), "in_person": _("in person"),
    c.NO_ANSWER: _("no answer"), c.WRONG_NUMBER: _("wrong number"), c.REACHED: _("reached"),
    c.DECLINED: _("declined"),
    # the parent's choices
    c.REUNIFY_HERE: _("reunify here"), c.RETURN_TOGETHER: _("return together"),
    c.CHILD_STAYS: _("child stays to pursue their own case"),
    # flags
    c.WISHES_NOT_IN_OWN_LANGUAGE: _("wishes not taken in the parent's own language"),
    c.REMOVED_WITHOUT_WISHES: _("parent removed without recorded wishes"),
    # the register's flags
    "tender_age": _("tender age (under 5)"), "infant": _("infant (under 1)"),
    "parent_removed_without_child": _("parent removed without the child"),
    "deadline_missed": _("deadline missed"), "whereabouts_unknown": _("whereabouts unknown"),
    "unlinked_child": _("no parent found"), "conflicting_claims": _("conflicting claims"),
    "possible_duplicate": _("possibly listed twice"),
    "custody_contradiction": _("records contradict each other on custody"),
    # deadlines
    "first contact": _("first contact"), "reunification": _("reunification"),
    # register statuses
    "together": _("together"), "separated": _("separated"), "released": _("released"),
    "removed": _("removed"), "unknown": _("unknown"),
    # roles
    "parent": _("parent"), "child": _("child"), "guardian": _("guardian"),
    "relative": _("relative"), "supervisor": _("supervisor"), "caseworker": _("caseworker"),
}


def label(value: object) -> str:
    """The reader's-language label of a vocabulary word, or the word itself."""
    text = "" if value is None else str(value)
    return str(LABELS.get(text, text))


def choices(values) -> list[tuple[str, str]]:
    """Form choices of vocabulary words with their labels."""
    return [(v, LABELS.get(v, v)) for v in values]
