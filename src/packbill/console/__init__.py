"""The web console: server-rendered pages on the same services as the API.

No script and no asset comes from outside: the stylesheet ships in ``static/`` and the charts
are inline SVG drawn on the server. Chinese by default, English on request.
"""

from .views import STATIC_MOUNT, console_router

__all__ = ["STATIC_MOUNT", "console_router"]
