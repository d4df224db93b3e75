"""The browser page's entry point for Solara: ``solara run server.py``.

``ai-chain serve`` starts it (127.0.0.1:8765, telemetry off); with Solara directly, run
``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False solara run server.py``. The page itself lives in
:mod:`experiments.ui.page`; Solara serves the ``Page`` component named here.
"""

from experiments.ui.page import Page

__all__ = ["Page"]
