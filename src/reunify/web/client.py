"""The address a request really comes from, behind ``REUNIFY_TRUSTED_PROXY_HOPS`` proxies.

Each trusted proxy appends the address it was reached from to ``X-Forwarded-For``; anything to
the left of what the trusted proxies wrote was written by the client and is not believed. With
no trusted proxy the connecting address is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's address as the outermost trusted proxy saw it (never a client's claim)."""
    hops = settings.TRUSTED_PROXY_HOPS
    connecting = request.META.get("REMOTE_ADDR", "")
    if hops:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [a for a in chain if a]
        if len(chain) >= hops:
            candidate = chain[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass  # a malformed entry: fall back to the proxy itself, never to the claim
    return connecting[:64]
