"""/api/v1 tasks for staff."""

from __future__ import annotations

from hub.api.common import Route

TASK_ROUTES: tuple[Route, ...] = ()
