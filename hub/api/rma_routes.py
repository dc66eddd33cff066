"""/api/v1 returns (RMAs)."""

from __future__ import annotations

from hub.api.common import Route

RMA_ROUTES: tuple[Route, ...] = ()
