"""The app's match index, for pages that show ranked experts or needs (service.domain.matching)."""

from __future__ import annotations

from fastapi import Request

from service.matcher import MatchIndex


def matcher_of(request: Request) -> MatchIndex:
    """The match index the app built at start-up (shared with the API's matching routes)."""
    matcher: MatchIndex = request.app.state.matcher
    return matcher
