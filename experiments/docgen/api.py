"""``docs/api.md``: the reference of the public extension API, built from the docstrings.

``ai-chain docs`` writes it next to ``outputs.md`` and ``parameters.md``; a test checks
that the committed file equals a freshly generated one, so the reference cannot drift
from the code. Google-style sections (``Args:``, ``Returns:`` ...) become bullet lists.
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cached_property
from typing import Any

#: (module, names) documented, in order; a class lists its own public methods and
#: properties (for IndustryModel only the ones in :data:`MODEL_MEMBERS`).
API: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("model.plugins", ("load_plugins", "loaded_plugins", "register_instrument", "register_agent",
                       "register_reporter", "isolated_registries", "PluginError",
                       "LoadedPlugin")),
    ("agents.instruments.base", ("Instrument", "register_instrument", "instrument_params",
                                 "layers_param", "parse_layers", "Levers")),
    ("agents.plugin", ("PluginAgent", "register_agent", "agent_params", "parse_regions",
                       "build_agents")),
    ("model.reporters", ("register_reporter", "Context", "Reporter", "ratio")),
    ("model.params", ("Param",)),
    ("model.scenario", ("load_scenario", "Scenario", "ScenarioError", "parse_set",
                        "shipped_presets")),
    ("model.model", ("IndustryModel",)),
)
MODEL_MEMBERS = ("step", "finalize", "region_rows", "firm_rows", "snapshot", "local_rows",
                 "firm_at", "grant", "charge", "employed_by_region", "talent_stock",
                 "observed", "demand_level", "final_demand")
SECTIONS = ("Args", "Arguments", "Attributes", "Returns", "Yields", "Raises")
_SECTION = re.compile("^(" + "|".join(SECTIONS) + r"):\s*$")


def _annotation(text: Any) -> str:
    if text is inspect.Parameter.empty:
        return ""
    return text if isinstance(text, str) else getattr(text, "__name__", repr(text))


def signature(obj: Any, name: str) -> str:
    """``name(arg: type = default, ...) -> ret`` with annotations as written in the code."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    parts, star_done = [], False
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        text = prefix + p.name
        ann = _annotation(p.annotation)
        if ann:
            text += f": {ann}"
        if p.default is not p.empty:
            text += (" = " if ann else "=") + repr(p.default)
        parts.append(text)
    ret = _annotation(sig.return_annotation)
    return f"{name}({', '.join(parts)})" + (f" -> {ret}" if ret else "")


def docstring_markdown(doc: str | None) -> str:
    """A Google-style docstring as Markdown: sections become bold labels and bullets."""
    if not doc:
        return "*(no docstring)*"
    out: list[str] = []
    section: str | None = None
    for line in inspect.cleandoc(doc).splitlines():
        match = _SECTION.match(line)
        if match:
            section = match.group(1)
            out += ["", f"**{section}:**", ""]
            continue
        if section is not None:
            if not line.strip():
                continue
            if not line.startswith(" "):  # back to prose
                section = None
                out += ["", line]
                continue
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if indent <= 4 and section in ("Args", "Arguments", "Attributes", "Raises") \
                    and re.match(r"^[\w*.]+( \(.*?\))?:", stripped):
                key, _, rest = stripped.partition(":")
                out.append(f"- `{key}`:{rest}")
            elif indent <= 4 and section in ("Returns", "Yields") and not out[-1].startswith(
                    ("- ", "  ")):
                out.append(f"- {stripped}")
            else:
                out[-1] += " " + stripped
            continue
        out.append(line)
    text = "\n".join(out).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _members(cls: type) -> list[tuple[str, Any]]:
    names = MODEL_MEMBERS if cls.__name__ == "IndustryModel" else [
        n for n in vars(cls) if not n.startswith("_")]
    found = []
    for n in names:
        member = vars(cls).get(n)
        if member is None:
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if inspect.isfunction(member) or isinstance(member, (property, cached_property)):
            found.append((n, member))
    return found


def _entry(module: str, name: str, obj: Any) -> list[str]:
    kind = "class" if inspect.isclass(obj) else "function"
    lines = [f"### `{module}.{name}`", "", f"*{kind}*", "", "```python",
             signature(obj, name), "```", "", docstring_markdown(inspect.getdoc(obj)), ""]
    if inspect.isclass(obj) and not issubclass(obj, BaseException):
        for mname, member in _members(obj):
            if isinstance(member, (property, cached_property)):
                head, doc = f"{name}.{mname}  (property)", member.__doc__
            else:
                head, doc = signature(member, f"{name}.{mname}"), member.__doc__
            lines += [f"#### `{name}.{mname}`", "", "```python", head, "```", "",
                      docstring_markdown(doc), ""]
    return lines


def render_api() -> str:
    """The text of ``docs/api.md``."""
    from experiments.docgen.generate import GENERATED_NOTE

    out = [GENERATED_NOTE, "", "# API reference: extending the model", "",
           "The public classes and functions a researcher uses to add instruments, agent "
           "types and output columns, to load plugins, and to build and read a model. The "
           "tutorial is [extending.md](extending.md); every parameter is in "
           "[parameters.md](parameters.md) and every output column in "
           "[outputs.md](outputs.md).", ""]
    for module, names in API:
        mod = importlib.import_module(module)
        summary = (inspect.getdoc(mod) or "").split("\n\n")[0].replace("\n", " ")
        out += [f"## `{module}`", "", summary, ""]
        for name in names:
            out += _entry(module, name, getattr(mod, name))
    return "\n".join(out).rstrip() + "\n"
