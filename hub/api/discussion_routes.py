"""/api/v1 the discussion board: projects and discussions."""

from __future__ import annotations

from hub.api.common import Route

DISCUSSION_ROUTES: tuple[Route, ...] = ()
