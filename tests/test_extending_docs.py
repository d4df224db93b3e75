"""The researcher-facing documentation stays true: docs/api.md is generated from the
docstrings (regenerate with `ai-chain docs`), and CITATION.cff is valid CFF 1.2.0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AI_CHAIN = Path(sys.executable).parent / "ai-chain"


def test_committed_api_reference_is_up_to_date(tmp_path):
    proc = subprocess.run([str(AI_CHAIN), "docs", "--out", "generated"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    fresh = (tmp_path / "generated" / "api.md").read_text()
    committed = (REPO / "docs" / "api.md").read_text()
    assert fresh == committed, "docs/api.md is stale: run `ai-chain docs` and commit it"
    for name in ("load_plugins", "PluginAgent", "Instrument", "register_reporter",
                 "IndustryModel", "Scenario.focus"):
        assert f"`{name}" in fresh or f".{name}`" in fresh, name
