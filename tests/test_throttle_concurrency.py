"""Sign-in throttling under concurrency: eight guesses at once against a limit of five.

A module of its own: it needs a transactional test database, with no world fixture holding a
transaction open around it.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from reunify.rules import throttle


def attempt(username: str, *, address: str):
    return Client().post(reverse("sign_in"), {"username": username, "password": "wrong guess!",
                                              "code": ""}, REMOTE_ADDR=address)


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_are_counted_before_they_are_evaluated():
    """Eight guesses at once against a limit of five: at most five are evaluated (answered
    400), the others refused (429); the check and the count cannot interleave."""
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            barrier.wait()
            status = attempt("t-ghost", address="198.51.100.20").status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 8
    assert statuses.count(400) == throttle.MAX_FAILURES_PER_PAIR
    assert statuses.count(429) == 8 - throttle.MAX_FAILURES_PER_PAIR
