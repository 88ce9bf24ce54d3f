"""Court-ordered deadlines for ending separations, as data.

A policy says, for a separated child, by when they must be reunified (by age at separation) and
by when they must first have contact with their parent. Deadlines run from the later of the
separation and the order itself: a child separated before the order has until the order date
plus the period, one separated after it has the period from their separation.

``MS_L_2018`` is the preliminary injunction in *Ms. L. v. ICE*, No. 18-cv-0428 (S.D. Cal.
June 26, 2018): children under 5 reunified within 14 days, all others within 30 days, and
contact with the parent within 10 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DeadlinePolicy:
    """When separations must end under one court order."""

    name: str
    order_date: dt.date
    #: Children younger than this many years at separation get ``young_days``.
    young_age_years: int
    young_days: int
    other_days: int
    contact_days: int

    def start(self, separated_since: dt.date) -> dt.date:
        """The day a separation's clock starts: the later of separation and order."""
        return max(separated_since, self.order_date)

    def reunification_deadline(self, separated_since: dt.date, age_years: float | None) -> dt.date:
        """Last day by which the child must be reunified.

        A child whose age is unknown gets the shorter deadline: doubt goes to the child.
        """
        young = age_years is None or age_years < self.young_age_years
        days = self.young_days if young else self.other_days
        return self.start(separated_since) + dt.timedelta(days=days)

    def contact_deadline(self, separated_since: dt.date) -> dt.date:
        """Last day by which the child must have had contact with the parent."""
        return self.start(separated_since) + dt.timedelta(days=self.contact_days)


MS_L_2018 = DeadlinePolicy(
    name="Ms. L. v. ICE (S.D. Cal. 2018-06-26)",
    order_date=dt.date(2018, 6, 26),
    young_age_years=5,
    young_days=14,
    other_days=30,
    contact_days=10,
)

#: Policies by short name; the register uses ``DEFAULT_POLICY`` unless told otherwise.
POLICIES: dict[str, DeadlinePolicy] = {"ms-l-2018": MS_L_2018}
DEFAULT_POLICY = "ms-l-2018"


def deadline_missed(
    policy: DeadlinePolicy,
    *,
    separated_since: dt.date | None,
    ended: dt.date | None,
    age_years: float | None,
    as_of: dt.date,
) -> bool:
    """Whether a child's separation outlived its reunification deadline by ``as_of``.

    A separation that ended (reunified, released, removed) on or before the deadline met it; one
    still open after the deadline, or that ended after it, missed it. Days count as whole days.
    """
    if separated_since is None:
        return False
    deadline = policy.reunification_deadline(separated_since, age_years)
    if ended is not None and ended <= as_of:
        return ended > deadline
    return as_of > deadline


def contact_missed(
    policy: DeadlinePolicy,
    *,
    separated_since: dt.date | None,
    ended: dt.date | None,
    first_contact: dt.date | None,
    as_of: dt.date,
) -> bool:
    """Whether a separated child went without contact with their parent past the contact
    deadline by ``as_of``: no first contact recorded on or before the deadline, and the
    separation not ended by then. ``first_contact`` is the earliest contact any source recorded
    (None: none recorded)."""
    if separated_since is None:
        return False
    deadline = policy.contact_deadline(separated_since)
    if ended is not None and ended <= deadline:
        return False
    if first_contact is not None and first_contact <= deadline:
        return False
    return as_of > deadline
