"""The browser page's controls, charts and serve command, without a browser."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from common import SMALL as SMALL_PATH
from PIL import Image

from agents.instruments import INSTRUMENTS
from experiments.cli import main
from experiments.cli import serve as cmd_serve
from experiments.errors import BadInput
from experiments.ui import canvas as ui_canvas
from experiments.ui import charts as ui_charts
from experiments.ui import controls as ui_controls
from experiments.ui import record as ui_record
from model.model import IndustryModel
from model.params import GLOBAL_PARAMS
from model.reporters import REGION_REPORTERS
from model.scenario import ScenarioError, load_scenario

SMALL = str(SMALL_PATH)



@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def specs(baseline):
    return ui_controls.control_specs(baseline)


def test_controls_come_from_the_declarations(baseline, specs):
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    assert names[0] == "seed"
    ui_globals = [p.name for p in GLOBAL_PARAMS if p.ui]
    assert "time.steps" in ui_globals
    assert [s.name for s in specs if s.group == "run"][1:] == ui_globals
    for inst in INSTRUMENTS:
        assert f"policy.Shanxi.{inst}.budget" in names
        for p in INSTRUMENTS[inst].PARAMS:
            assert f"policy.Shanxi.{inst}.{p.name}" in names
        assert f"policy.Shanxi.{inst}.start" not in names  # timing left to scenario files
    for spec in specs[1:]:
        decl = baseline.declarations[spec.name]
        assert spec.default == baseline[spec.name]
        assert spec.allowed == decl.allowed()
        assert spec.unit == decl.unit
        assert spec.doc == decl.doc
        if decl.choices is not None:
            assert spec.widget == "select" and spec.choices == decl.choices
            assert spec.text in spec.choices
        else:
            assert spec.widget == "text"
            assert decl.check(ui_controls.parse_text(spec, spec.text)) == spec.default
        if decl.unit not in ("1", ""):
            assert decl.unit in spec.label


def test_controls_start_from_the_chosen_preset():
    package = load_scenario("chain_package")
    specs = {s.name: s for s in ui_controls.control_specs(package)}
    assert specs["policy.Shanxi.targeted_subsidy.budget"].default == \
        package["policy.Shanxi.targeted_subsidy.budget"]
    assert specs["policy.Shanxi.targeted_subsidy.budget"].default != \
        load_scenario("baseline")["policy.Shanxi.targeted_subsidy.budget"]
    assert specs["policy.Shanxi.compute_service.service_model"].text == "diversified"


def test_unchanged_texts_give_the_preset(specs):
    texts = {s.name: s.text for s in specs}
    settings = ui_controls.settings_from_texts("baseline", texts, specs)
    assert settings.overrides == {}
    assert settings.seed == ui_controls.DEFAULT_SEED
    assert settings.steps == load_scenario("baseline")["time.steps"]
    # the same number typed differently is not a change
    texts["policy.Shanxi.recruitment.budget"] = "20"
    assert ui_controls.settings_from_texts("baseline", texts, specs).overrides == {}


def test_changed_texts_become_validated_overrides(specs):
    texts = {"policy.Shanxi.recruitment.budget": " 55.5 ", "seed": "7", "time.steps": "12",
             "policy.Shanxi.targeted_subsidy.role": "sme"}
    settings = ui_controls.settings_from_texts("baseline", texts, specs)
    assert settings.overrides == {"policy.Shanxi.recruitment.budget": 55.5,
                                  "time.steps": 12,
                                  "policy.Shanxi.targeted_subsidy.role": "sme"}
    assert settings.seed == 7 and settings.steps == 12
    assert settings.scenario["policy.Shanxi.recruitment.budget"] == 55.5


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("policy.Shanxi.recruitment.budget", "-5", "out of range"),
    ("policy.Shanxi.recruitment.budget", "abc", "a number in [0, 1e+06]"),
    ("policy.Shanxi.recruitment.budget", "", "a value is required"),
    ("policy.Shanxi.recruitment.delivery_prob", "1.5", "out of range"),
    ("policy.Shanxi.talent_training.lag", "2.5", "an integer"),
    ("time.steps", "1000", "an integer in [0, 400]"),
    ("seed", "-1", "a non-negative integer"),
    ("seed", "x", "a non-negative integer"),
])
def test_bad_values_name_the_field_and_what_is_allowed(specs, baseline, name, text, expected):
    with pytest.raises(ScenarioError) as info:
        ui_controls.settings_from_texts("baseline", {name: text}, specs)
    message = str(info.value)
    assert message.startswith("page: ")
    assert name in message and expected in message
    spec = next(s for s in specs if s.name == name)
    field_message = ui_controls.check_text(spec, text, baseline)
    assert field_message is not None and name in field_message
    assert ui_controls.check_text(spec, spec.text, baseline) is None


def test_default_scenario_from_the_environment(monkeypatch):
    monkeypatch.delenv(ui_controls.SCENARIO_ENV, raising=False)
    assert ui_controls.default_preset() == "baseline"
    assert ui_controls.preset_options()[0] == "baseline"
    monkeypatch.setenv(ui_controls.SCENARIO_ENV, SMALL)
    assert ui_controls.default_preset() == SMALL
    options = ui_controls.preset_options()
    assert options[0] == SMALL and "baseline" in options and "chain_package" in options


def test_serve_command_binds_to_loopback_with_telemetry_off(tmp_path):
    server = cmd_serve.server_path()
    assert server.name == "server.py" and server.is_file()
    cmd = cmd_serve.solara_command(server, cmd_serve.DEFAULT_HOST, cmd_serve.DEFAULT_PORT)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "8765"
    env = cmd_serve.server_env(SMALL)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env[ui_controls.SCENARIO_ENV] == SMALL
    with pytest.raises(BadInput, match="server.py not found"):
        cmd_serve.server_path(tmp_path)
    assert main(["serve", "--port", "70000"]) == 2
    assert main(["serve", "--scenario", "no_such_preset"]) == 2


@pytest.fixture(scope="module")
def small_run():
    model = IndustryModel(SMALL, rng=3)
    record = ui_charts.RunRecord.for_model(1, model, 8)
    for _ in range(3):
        model.step()
        record.append(model.steps, model.region_rows)
    return model, record


def test_record_keeps_every_step_and_writes_csv(small_run):
    model, record = small_run
    assert record.steps == [0, 1, 2, 3]
    frame = record.frame(None)
    assert frame.key == (1, 3) and frame.quarters == ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    assert frame.focus.loc[3, "firms_total"] == model.region_rows["firms_total"][model.focus]
    assert frame.national.loc[3, "firms_total"] == model.region_rows["firms_total"].sum()
    import pandas as pd

    table = pd.read_csv(io.BytesIO(record.to_csv()))
    assert len(table) == 4 * len(model.region_names)
    assert list(table.columns[:3]) == ["step", "quarter", "region"]
    assert set(REGION_REPORTERS) <= set(table.columns)
    last = table[table.step == 3].set_index("region")
    np.testing.assert_allclose(last.loc[model.region_names, "ai_revenue"],
                               model.region_rows["ai_revenue"])


def test_network_view_holds_the_focus_region_and_its_links(small_run):
    model, _ = small_run
    snap = model.snapshot()
    view = ui_charts.network_view(snap, "Shanxi")
    firms = snap["firms"]
    region_of = dict(zip(firms["firm_id"].tolist(), firms["region"].tolist(), strict=True))
    assert view.local.size == np.sum(firms["region"] == "Shanxi") == view.n_local
    assert all(region_of[int(i)] == "Shanxi" for i in view.local)
    assert all(region_of[int(i)] != "Shanxi" for i in view.outside)
    local = set(view.local.tolist())
    assert view.supplier_links.size > 0
    for a, b in np.concatenate([view.supplier_links, view.partner_links]):
        assert int(a) in local or int(b) in local
    capped = ui_record._top(np.arange(10), np.array([[3, 3], [3, 7]]), 2)
    assert capped.tolist() == [3, 7]  # most-linked first


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


@pytest.mark.slow
def test_every_chart_draws_a_picture_and_blitting_matches_a_full_draw():
    model = IndustryModel(SMALL, rng=3)
    record = ui_charts.RunRecord.for_model(1, model, 8)
    reference = ui_charts.reference_series(SMALL, 3, 8)
    assert reference.size == 9
    canvases = {key: ui_canvas.ChartCanvas(key) for key in ui_charts.CHARTS}
    for _ in range(2):
        model.step()
        record.append(model.steps, model.region_rows)
        frame = record.frame(ui_charts.network_view(model.snapshot(), "Shanxi"), reference)
        for key, canvas in canvases.items():
            blitted = _pixels(canvas.png(frame))
            full = _pixels(ui_canvas.render_png(ui_canvas.draw_chart(key, frame)))
            assert blitted.std() > 5, key  # not a blank frame
            assert blitted.shape == full.shape, key
            # the same picture, up to z-order nuances where data overlap grid lines
            assert np.mean(np.abs(blitted - full).sum(axis=2) > 0) < 0.01, key
    assert any(c.full_draws == 1 for c in canvases.values())  # the second step was blitted


def test_nice_limits():
    assert [ui_charts.nice_limit(v) for v in (0.9, 1.0, 1.1, 13, 2600, 0.031)] == \
        [1.0, 1.0, 1.2, 15.0, 3000.0, 0.04]
    assert ui_charts.nice_limit(0.0) == 0.0


def test_controls_follow_the_scenarios_focus_region():
    repo = Path(__file__).resolve().parent.parent
    henan = load_scenario(repo / "examples" / "other_region.toml")
    assert henan.focus == "Henan"
    names = [s.name for s in ui_controls.control_specs(henan) if s.name.startswith("policy.")]
    assert names and all(n.startswith("policy.Henan.") for n in names)
    assert {f"policy.Henan.{inst}.budget" for inst in INSTRUMENTS} <= set(names)
