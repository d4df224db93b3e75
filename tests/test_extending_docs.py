"""The researcher-facing documentation stays true: docs/api.md is generated from the
docstrings (regenerate with `ai-chain docs`), and CITATION.cff is valid CFF 1.2.0."""

from __future__ import annotations

import re
import subprocess
import tomllib

import jsonschema
import yaml
from common import AI_CHAIN, REPO


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


#: The root of the CFF 1.2.0 schema (https://citation-file-format.github.io/1.2.0/
#: schema.json): its keys, the required ones, and the rules for the keys we use.
CFF_ROOT_KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released",
                 "doi", "identifiers", "keywords", "license", "license-url", "message",
                 "preferred-citation", "references", "repository", "repository-artifact",
                 "repository-code", "title", "type", "url", "version"}
CFF_REQUIRED = {"authors", "cff-version", "message", "title"}


def test_citation_cff_is_valid_cff_1_2_0():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert set(cff) <= CFF_ROOT_KEYS, set(cff) - CFF_ROOT_KEYS
    assert CFF_REQUIRED <= set(cff)
    entity = {"type": "object", "required": ["name"],
              "properties": {"name": {"type": "string", "minLength": 1}}}
    person = {"type": "object", "anyOf": [{"required": ["family-names"]},
                                          {"required": ["given-names"]},
                                          {"required": ["name"]}]}
    schema = {"type": "object", "properties": {
        "cff-version": {"type": "string", "const": "1.2.0"},
        "message": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "abstract": {"type": "string", "minLength": 1},
        "type": {"enum": ["dataset", "software"]},
        "version": {"type": ["string", "number"], "minLength": 1},
        "date-released": {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[012])-"
                                                       r"(0[1-9]|[12][0-9]|3[01])$"},
        "license": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 1},
                     "minItems": 1, "uniqueItems": True},
        "authors": {"type": "array", "minItems": 1, "uniqueItems": True,
                    "items": {"anyOf": [entity, person]}},
    }}
    jsonschema.validate(cff, schema)
    assert cff["title"].startswith("ai-chain") and cff["license"] == "MIT"
    assert cff["authors"] == [{"name": "The ai-chain developers"}]
    assert re.match(r"^\d+\.\d+\.\d+$", str(cff["version"]))
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert cff["version"] == version  # bump both together


def test_extending_guide_names_existing_files_and_every_example():
    text = (REPO / "docs" / "extending.md").read_text()
    for link in re.findall(r"\]\(([\w./-]+\.md)(?:#[\w-]+)?\)", text):
        assert (REPO / "docs" / link).is_file(), link
    for anchor in re.findall(r"\]\(#([\w-]+)\)", text):
        headings = {re.sub(r"[^\w -]", "", h).strip().lower().replace(" ", "-")
                    for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
        assert anchor in headings, anchor
    for path in re.findall(r"`((?:examples|tests/data)/[\w./-]+)`", text):
        assert (REPO / path).exists(), path
    for example in (REPO / "examples").iterdir():
        assert f"examples/{example.name}" in text, example.name


def test_versions_move_in_step():
    """The package version, CITATION.cff's version and the changelog agree, and the
    changelog has an entry for the current model version (bumped whenever stored
    fixed-seed results are regenerated)."""
    from model import MODEL_VERSION

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert str(cff["version"]) == version
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert f"## {version} (model version {MODEL_VERSION})" in changelog
