"""The browser page: its controls (:mod:`.controls`), the run record and charts it draws
(:mod:`.charts`), and the page itself (:mod:`.page`, served through ``server.py``)."""
