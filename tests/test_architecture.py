"""The layout of docs/architecture.md holds: layers without cycles, one step table, small
modules.

* import-linter checks the layers and the absence of cycles declared in pyproject.toml
  (``[tool.importlinter]``), counting imports under ``TYPE_CHECKING`` and inside functions.
* The step is one table (``model.model.PHASES``): the profile's phases and the ODD's step
  table follow it.
* Modules stay under 400 lines and functions under 60 lines of code (the docstring left
  out) unless a ``# size:`` comment gives the reason (in the module's first lines, or
  inside the function).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from model.model import PHASES, IndustryModel

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
MAX_MODULE, MAX_FUNCTION = 400, 60
CHECKED = ("model", "agents", "experiments")


def test_import_layers_and_no_cycles():
    proc = subprocess.run([str(LINT_IMPORTS), "--config", str(REPO / "pyproject.toml")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout and "KEPT" in proc.stdout


def test_the_layer_contract_catches_an_upward_import(tmp_path):
    """A copy of the project in which an agent imports the model class is refused."""
    import shutil

    for name in (*CHECKED, "pyproject.toml"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, tmp_path / name)
    policy = tmp_path / "agents" / "policy.py"
    policy.write_text(policy.read_text() + "\n\ndef _late():\n"
                      "    from model.model import IndustryModel\n    return IndustryModel\n")
    proc = subprocess.run([str(LINT_IMPORTS), "--config", "pyproject.toml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "agents.policy -> model.model" in proc.stdout


def test_profile_phases_are_the_step_table():
    model = IndustryModel("small", rng=1)
    model.step()
    assert list(model.phase_seconds) == [ph.label for ph in PHASES]
    assert len({ph.label for ph in PHASES}) == len(PHASES)
    for n, ph in enumerate(PHASES, 1):  # the class docstring is generated from the table
        assert f"{n}. **{ph.title}** —" in IndustryModel.__doc__


def test_odd_step_table_follows_the_phases():
    odd = (REPO / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd.split("## 3 Process overview and scheduling", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| ([^|]+?) \|", section, flags=re.MULTILINE)
    numbered = [(int(n), title) for n, title in rows if int(n) > 0]
    assert numbered == [(n, ph.title) for n, ph in enumerate(PHASES, 1)]


def _sources() -> list[Path]:
    return sorted(p for root in CHECKED for p in (REPO / root).rglob("*.py")
                  if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_functions_are_small_or_say_why(path):
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    head = "\n".join(lines[:40])
    if len(lines) > MAX_MODULE:
        assert "# size:" in head, (f"{path.relative_to(REPO)} has {len(lines)} lines (> "
                                   f"{MAX_MODULE}): split it, or say why in a `# size:` "
                                   "comment near the top")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            code = node.body[1:] if ast.get_docstring(node) is not None else node.body
            length = node.end_lineno - code[0].lineno + 1 if code else 0  # docstring left out
            body = "\n".join(lines[node.lineno - 1:node.end_lineno])
            assert length <= MAX_FUNCTION or "# size:" in body, (
                f"{path.relative_to(REPO)}:{node.lineno} {node.name} has {length} lines (> "
                f"{MAX_FUNCTION}): split it, or say why in a `# size:` comment inside it")


def test_output_column_order_does_not_follow_import_order():
    """Importing the instrument modules in another order keeps the spend_* columns."""
    code = ("import agents.instruments.talent, agents.instruments.subsidies\n"
            "from agents.instruments import BUILTIN_ORDER, INSTRUMENTS\n"
            "from model.reporters import REGION_REPORTERS\n"
            "spend = [k[6:] for k in REGION_REPORTERS if k.startswith('spend_')]\n"
            "assert tuple(INSTRUMENTS) == BUILTIN_ORDER, list(INSTRUMENTS)\n"
            "assert tuple(spend) == BUILTIN_ORDER, spend\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_defaults_are_read_from_the_vocabulary(monkeypatch):
    from model import scenario, vocab
    from model.scenario import load_scenario

    small = load_scenario("small")
    assert small.focus == vocab.DEFAULT_FOCUS and small.start_quarter == "2023Q1"
    monkeypatch.setattr(scenario, "DEFAULT_FOCUS", "Beijing")
    assert load_scenario("small").focus == "Beijing"
    assert vocab.SEGMENTS[vocab.Segment.INTEGRATORS] == "integrators"
    assert vocab.SEGMENT_LAYER[vocab.Segment.GENERAL_TECH] == vocab.Layer.TECH


def test_import_paths_that_extensions_rely_on():
    """The paths plugins, examples and docs/extending.md name keep working."""
    import importlib

    import model

    expected = {
        "model.model": ("IndustryModel", "PHASES"),
        "model.scenario": ("ScenarioError", "load_scenario", "Scenario"),
        "agents.instruments.base": ("Instrument", "register_instrument", "Levers",
                                    "layers_param", "parse_layers"),
        "agents.plugin": ("PluginAgent", "register_agent", "AGENT_TYPES"),
        "model.params": ("Param", "LAYERS", "SEGMENTS", "TIERS"),
        "model.reporters": ("register_reporter", "Context", "REGION_REPORTERS",
                            "FIRM_FIELDS", "firm_table", "region_table"),
        "model.plugins": ("load_plugins", "register_instrument", "register_agent",
                          "register_reporter", "isolated_registries"),
    }
    for name, attrs in expected.items():
        mod = importlib.import_module(name)
        missing = [a for a in attrs if not hasattr(mod, a)]
        assert not missing, f"{name} lacks {missing}"
    from model.model import IndustryModel

    assert model.IndustryModel is IndustryModel  # from model import IndustryModel
