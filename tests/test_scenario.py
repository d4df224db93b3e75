"""Scenario validation: ``load_scenario``, ``parse_set`` and overrides of ``IndustryModel``.

Every bad input raises :class:`model.scenario.ScenarioError` naming the file, the key, the
value and what is allowed, before anything is built.
"""

from __future__ import annotations

import math
from pathlib import Path

import mesa
import pytest
from common import SMALL

import model.model as model_module
from agents.instruments import INSTRUMENTS
from model.model import IndustryModel
from model.scenario import (
    Scenario,
    ScenarioError,
    declarations_for,
    load_scenario,
    parse_set,
    shipped_presets,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def small_decl() -> dict:
    return load_scenario(SMALL).declarations


# --- the shipped files ---------------------------------------------------------------------
def test_baseline_and_small_load(baseline: Scenario) -> None:
    assert "baseline" in shipped_presets()
    assert len(baseline.regions) == 31 and "Shanxi" in baseline.regions
    assert baseline.region("Shanxi", "firms") == 50
    small = load_scenario(SMALL)
    assert small.regions == ["Beijing", "Guangdong", "Shanghai", "Shanxi", "RestOfChina"]
    assert small.path == SMALL
    # every declared parameter has a validated value (None only for derived ones)
    assert set(small.values) == set(small.declarations)


@pytest.mark.parametrize("preset", shipped_presets())
def test_every_shipped_preset_validates(preset: str) -> None:
    scenario = load_scenario(preset)
    assert scenario.regions


# --- unknown keys ----------------------------------------------------------------------------
def test_unknown_key_in_file_names_file_key_value_and_suggests(tmp_path: Path) -> None:
    path = write(tmp_path / "typo.toml", '[meta]\nextends = "baseline"\n\n'
                                         "[innovation]\nzetta = 2.5\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    msg = str(err)
    assert err.file == str(path) and str(path) in msg
    assert err.key == "innovation.zetta" and "innovation.zetta" in msg
    assert err.value == 2.5 and "2.5" in msg
    assert "did you mean" in msg and "innovation.zeta" in msg.split("did you mean")[1]


def test_unknown_override_key_names_set_as_source() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {"talent.mobilty": 0.2})
    assert info.value.file == "--set"
    assert info.value.key == "talent.mobilty"
    assert "talent.mobility" in str(info.value)


def test_unknown_key_for_a_region_not_in_the_scenario() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {"policy.Atlantis.universal_subsidy.budget": 1.0})
    assert info.value.key == "policy.Atlantis.universal_subsidy.budget"


def test_unknown_meta_key(tmp_path: Path) -> None:
    path = write(tmp_path / "meta.toml", '[meta]\nextends = "baseline"\nauthor = "me"\n')
    with pytest.raises(ScenarioError, match="meta.author") as info:
        load_scenario(path)
    assert "extends" in info.value.allowed


def test_unknown_instrument_lists_the_registry() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {"policy.Shanxi.magic_wand.budget": 10.0})
    err = info.value
    assert err.key == "policy.Shanxi.magic_wand.budget"
    assert "unknown instrument" in err.allowed
    for name in INSTRUMENTS:
        assert name in err.allowed


def test_unknown_instrument_setting_is_an_unknown_key() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {"policy.Shanxi.recruitment.cash_offr": 1.0})
    assert "unknown key" in info.value.allowed
    assert "policy.Shanxi.recruitment.cash_offer" in info.value.allowed


def test_lists_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "list.toml", '[meta]\nextends = "baseline"\n\n'
                                         "[innovation]\nzeta = [1, 2]\n")
    with pytest.raises(ScenarioError, match="innovation.zeta"):
        load_scenario(path)


# --- types and ranges ------------------------------------------------------------------------
@pytest.mark.parametrize("key, value", [
    ("innovation.zeta", "high"),  # string for a number
    ("innovation.zeta", True),  # bool is not a number
    ("exit.loss_quarters", 2.5),  # non-integral float for an int
    ("regions.Shanxi.coast", 1),  # int for a bool
    ("regions.Shanxi.compute_service", "cloud"),  # not one of the choices
    ("regions.Shanxi.compute_service", 3),  # number for a string
    ("policy.Shanxi.recruitment.layers", "chips"),  # not a layer combination
    ("innovation.zeta", math.nan),  # not finite
])
def test_wrong_type_is_rejected(key: str, value: object) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {key: value})
    err = info.value
    assert err.key == key and err.file == "--set"
    assert "expected" in err.allowed
    assert key in str(err) and repr(value) in str(err)


@pytest.mark.parametrize("key, value, bounds", [
    ("talent.mobility", 1.5, "[0, 1]"),
    ("demand.project_tail", 1.0, "[1.05, 5]"),
    ("exit.loss_quarters", 0, "[1, 40]"),
    ("policy.Shanxi.recruitment.delivery_prob", -0.1, "[0, 1]"),
    ("regions.Shanxi.firms", -1, "[0, 1e+06]"),
])
def test_out_of_range_is_rejected(key: str, value: float, bounds: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {key: value})
    assert "out of range" in info.value.allowed
    assert bounds in info.value.allowed


def test_bounds_are_inclusive() -> None:
    scenario = load_scenario(SMALL, {"talent.mobility": 1.0, "demand.project_tail": 1.05})
    assert scenario["talent.mobility"] == 1.0
    assert scenario["demand.project_tail"] == 1.05


def test_integer_for_a_float_is_coerced() -> None:
    scenario = load_scenario(SMALL, {"innovation.zeta": 4})
    assert scenario["innovation.zeta"] == 4.0 and isinstance(scenario["innovation.zeta"], float)


def test_out_of_range_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "range.toml", '[meta]\nextends = "baseline"\n\n'
                                          "[talent]\nmobility = 1.5\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path) and info.value.key == "talent.mobility"


# --- files ---------------------------------------------------------------------------------
def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.toml", "[regions.Shanxi\nfirms = \n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path) and str(path) in str(info.value)
    assert "malformed TOML" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value) and "not found" in str(info.value)


def test_unknown_preset_lists_the_shipped_ones() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("baselin")
    msg = str(info.value)
    assert "unknown preset" in msg and "baselin" in msg
    for name in shipped_presets():
        assert name in msg


def test_scenario_without_regions(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.toml", "[innovation]\nzeta = 2.0\n")
    with pytest.raises(ScenarioError, match="regions"):
        load_scenario(path)


def test_bad_start_quarter(tmp_path: Path) -> None:
    path = write(tmp_path / "q.toml", '[meta]\nextends = "baseline"\nstart_quarter = "2023Q5"\n')
    with pytest.raises(ScenarioError, match="start_quarter"):
        load_scenario(path)


# --- extends ---------------------------------------------------------------------------------
def test_extends_overrides_one_value_and_keeps_everything_else(
        tmp_path: Path, baseline: Scenario) -> None:
    path = write(tmp_path / "child.toml", '[meta]\nextends = "baseline"\n\n'
                                          "[innovation]\nzeta = 7.5\n")
    child = load_scenario(path)
    assert child["innovation.zeta"] == 7.5 != baseline["innovation.zeta"]
    changed = {k for k in baseline.values if child.values[k] != baseline.values[k]}
    assert changed == {"innovation.zeta"}
    assert child.values.keys() == baseline.values.keys()
    assert child.regions == baseline.regions
    assert child.leaders == baseline.leaders
    assert child.packages == baseline.packages
    assert child.origin["innovation.zeta"] == str(path)
    assert child.origin["regions.Shanxi.firms"] != str(path)
    assert child.meta.get("start_quarter") == baseline.meta.get("start_quarter")


def test_extends_chain_of_files(tmp_path: Path, baseline: Scenario) -> None:
    write(tmp_path / "mid.toml", '[meta]\nextends = "baseline"\n\n'
                                 "[innovation]\nzeta = 7.5\n\n[entry]\nrate = 0.1\n\n"
                                 "[policy.Shanxi.targeted_subsidy]\nbudget = 50.0\n")
    child = load_scenario(write(tmp_path / "child.toml", '[meta]\nextends = "mid.toml"\n\n'
                                                         "[entry]\nrate = 0.2\n"))
    assert child["innovation.zeta"] == 7.5  # from the middle file
    assert child["entry.rate"] == 0.2  # the child wins
    assert child.packages["Shanxi"]["targeted_subsidy"]["budget"] == 50.0
    changed = {k for k in baseline.values if child.values[k] != baseline.values[k]}
    assert changed == {"innovation.zeta", "entry.rate", "policy.Shanxi.targeted_subsidy.budget"}
    assert child.name == "child"  # a name is never inherited


def test_overrides_win_over_files(tmp_path: Path) -> None:
    path = write(tmp_path / "child.toml", '[meta]\nextends = "baseline"\n\n'
                                          "[innovation]\nzeta = 7.5\n")
    scenario = load_scenario(path, {"innovation.zeta": 9.0})
    assert scenario["innovation.zeta"] == 9.0 and scenario.origin["innovation.zeta"] == "--set"


def test_circular_extends(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", '[meta]\nextends = "b.toml"\n')
    write(tmp_path / "b.toml", '[meta]\nextends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="circular extends"):
        load_scenario(tmp_path / "a.toml")


def test_self_extends(tmp_path: Path) -> None:
    write(tmp_path / "me.toml", '[meta]\nextends = "me.toml"\n')
    with pytest.raises(ScenarioError, match="circular extends"):
        load_scenario(tmp_path / "me.toml")


def test_extends_unknown_preset(tmp_path: Path) -> None:
    path = write(tmp_path / "orphan.toml", '[meta]\nextends = "nonesuch"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.key == "meta.extends" and info.value.value == "nonesuch"
    assert info.value.file == str(path)


# --- cross checks --------------------------------------------------------------------------
def test_region_shares_must_not_exceed_one() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {"regions.Shanxi.share_base": 0.6, "regions.Shanxi.share_tech": 0.5})
    assert info.value.key == "regions.Shanxi.share_tech"
    assert "share_base + share_tech <= 1" in info.value.allowed


def test_region_shares_summing_to_one_are_allowed() -> None:
    scenario = load_scenario(SMALL, {"regions.Shanxi.share_base": 0.5,
                                     "regions.Shanxi.share_tech": 0.5})
    assert scenario.region("Shanxi", "share_base") == 0.5


def test_national_shares_must_not_exceed_one() -> None:
    with pytest.raises(ScenarioError, match="national.share_base"):
        load_scenario(SMALL, {"national.share_base": 0.7, "national.share_tech": 0.4})


def test_region_needs_both_shares_or_neither(tmp_path: Path) -> None:
    path = write(tmp_path / "half.toml", "[regions.A]\nfirms = 10\nshare_base = 0.2\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.key == "regions.A.share_tech"


@pytest.mark.parametrize("field", ["region", "home_region"])
def test_leader_region_must_be_in_the_scenario(field: str) -> None:
    key = f"leaders.sugon_chips.{field}"
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {key: "Mars"})
    err = info.value
    assert err.key == key and err.value == "Mars"
    assert "Shanxi" in err.allowed and "RestOfChina" in err.allowed


def test_leader_segment_must_belong_to_its_layer() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(SMALL, {"leaders.sugon_chips.segment": "applications"})
    err = info.value
    assert err.key == "leaders.sugon_chips.segment"
    assert "'base'" in err.allowed
    assert {"chips", "data", "frameworks"} <= set(err.allowed.replace(",", " ").split())


def test_leader_layer_and_segment_changed_together_are_accepted() -> None:
    scenario = load_scenario(SMALL, {"leaders.sugon_chips.layer": "app",
                                     "leaders.sugon_chips.segment": "integrators"})
    assert scenario["leaders.sugon_chips.segment"] == "integrators"


# --- --set parsing -------------------------------------------------------------------------
@pytest.mark.parametrize("item, key, value", [
    ("innovation.zeta=0.5", "innovation.zeta", 0.5),
    ("innovation.zeta = 0.5 ", "innovation.zeta", 0.5),
    ("exit.loss_quarters=6", "exit.loss_quarters", 6),
    ("demand.national_final=1e3", "demand.national_final", 1000.0),
    ("calibration.coast_capability=-0.2", "calibration.coast_capability", -0.2),
    ("regions.Shanxi.coast=true", "regions.Shanxi.coast", True),
    ("regions.Shanxi.coast=false", "regions.Shanxi.coast", False),
    ('regions.Shanxi.compute_service="diversified"', "regions.Shanxi.compute_service",
     "diversified"),
    ("leaders.sugon_chips.group='a=b'", "leaders.sugon_chips.group", "a=b"),
])
def test_parse_set_literals(item: str, key: str, value: object) -> None:
    k, v = parse_set(item)
    assert k == key
    assert v == value and type(v) is type(value)


def test_parse_set_bare_string_for_string_parameter(small_decl: dict) -> None:
    assert parse_set("regions.Shanxi.compute_service=diversified", small_decl) == (
        "regions.Shanxi.compute_service", "diversified")
    assert parse_set("policy.Shanxi.recruitment.layers=base,tech", small_decl) == (
        "policy.Shanxi.recruitment.layers", "base,tech")


def test_parse_set_bare_string_for_number_is_rejected(small_decl: dict) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_set("innovation.zeta=high", small_decl)
    assert info.value.key == "innovation.zeta" and info.value.value == "high"
    assert "quote strings" in info.value.allowed


def test_parse_set_bare_string_without_declarations_is_rejected() -> None:
    with pytest.raises(ScenarioError):
        parse_set("regions.Shanxi.compute_service=diversified")


@pytest.mark.parametrize("item", ["innovation.zeta", "=0.5", "  = 1"])
def test_parse_set_needs_key_and_value(item: str) -> None:
    with pytest.raises(ScenarioError, match="KEY=VALUE"):
        parse_set(item)


def test_parsed_sets_are_validated_by_load_scenario(small_decl: dict) -> None:
    items = ["innovation.zeta=6", "regions.Shanxi.compute_service=diversified",
             "regions.Shanxi.coast=true", "policy.Shanxi.recruitment.cash_cap=1.5"]
    scenario = load_scenario(SMALL, dict(parse_set(i, small_decl) for i in items))
    assert scenario["innovation.zeta"] == 6.0
    assert scenario.region("Shanxi", "compute_service") == "diversified"
    assert scenario.region("Shanxi", "coast") is True
    assert scenario.packages["Shanxi"]["recruitment"]["cash_cap"] == 1.5
    with pytest.raises(ScenarioError, match="out of range"):
        load_scenario(SMALL, dict([parse_set("talent.mobility=2", small_decl)]))


def test_declarations_expand_templates_for_instruments_and_leaders() -> None:
    decl = declarations_for(["X"], ["boss"])
    for inst in INSTRUMENTS:
        assert f"policy.X.{inst}.budget" in decl
    assert "leaders.boss.segment" in decl and "regions.X.firms" in decl
    assert not any("<" in name for name in decl)


# --- the model constructor -------------------------------------------------------------------
def test_model_params_dict_applies_overrides() -> None:
    m = IndustryModel(SMALL, params={"innovation.zeta": 7.0, "regions.Shanxi.firms": 80}, rng=1)
    assert m.p["innovation.zeta"] == 7.0
    assert m.config.origin["innovation.zeta"] == "--set"
    shanxi = m.region_names.index("Shanxi")
    assert m.region_rows["firms_total"][shanxi] == 80  # the override reached the build


def test_model_keyword_overrides_apply() -> None:
    m = IndustryModel(SMALL, innovation__zeta=7.0, regions__Shanxi__firms=80, rng=1)
    assert m.p["innovation.zeta"] == 7.0
    assert m.region_rows["firms_total"][m.region_names.index("Shanxi")] == 80


def test_keyword_overrides_win_over_params() -> None:
    m = IndustryModel(SMALL, params={"innovation.zeta": 7.0}, innovation__zeta=9.0, rng=1)
    assert m.p["innovation.zeta"] == 9.0


def test_model_accepts_a_validated_scenario() -> None:
    scenario = load_scenario(SMALL, {"innovation.zeta": 7.0})
    m = IndustryModel(params=scenario, rng=1)
    assert m.config is scenario and m.region_names == scenario.regions
    m2 = IndustryModel(params=scenario, entry__rate=0.1, rng=1)
    assert m2.p["innovation.zeta"] == 7.0 and m2.p["entry.rate"] == 0.1
    assert m2.region_names == scenario.regions  # the scenario's file, not the default preset


@pytest.fixture
def nothing_may_be_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make any construction step fail loudly, recording that it was reached."""
    reached: list[str] = []

    def boom(name: str):
        def fail(*args: object, **kwargs: object) -> None:
            reached.append(name)
            raise AssertionError(f"{name} was called before validation finished")
        return fail

    monkeypatch.setattr(mesa.Model, "__init__", boom("mesa.Model.__init__"))
    monkeypatch.setattr(model_module.setup, "populate", boom("setup.populate"))
    monkeypatch.setattr(IndustryModel, "_build_state", boom("_build_state"))
    return reached


@pytest.mark.parametrize("kwargs", [
    {"params": {"innovation.zetta": 1.0}},
    {"innovation__zetta": 1.0},
    {"params": {"talent.mobility": 5.0}},
    {"params": {"policy.Shanxi.magic_wand.budget": 1.0}},
    {"params": {"leaders.sugon_chips.region": "Mars"}},
    {"params": {"regions.Shanxi.share_base": 0.9, "regions.Shanxi.share_tech": 0.9}},
    {"preset": "nonesuch"},
])
def test_scenario_error_is_raised_before_anything_is_built(
        nothing_may_be_built: list[str], kwargs: dict) -> None:
    kwargs = dict(kwargs)
    preset = kwargs.pop("preset", SMALL)
    with pytest.raises(ScenarioError):
        IndustryModel(preset, rng=1, **kwargs)
    assert nothing_may_be_built == []


def test_build_guard_is_effective(nothing_may_be_built: list[str]) -> None:
    """Without a bad input the guarded construction is reached (the guard works)."""
    with pytest.raises(AssertionError):
        IndustryModel(SMALL, rng=1)
    assert nothing_may_be_built
