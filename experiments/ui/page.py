"""The browser page: the focus region's (Shanxi's) policy levers, chain charts and a baseline
overlay.

Served through the repository's thin ``server.py``: run ``ai-chain serve`` (binds to
127.0.0.1:8765, telemetry off) or ``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False solara run
server.py``. Works offline (assets come
from ``solara-assets``; charts are matplotlib PNGs). ``$AI_CHAIN_SCENARIO`` (a preset name or
a scenario .toml path) sets the page's default scenario and the reference run overlaid on the
base+technology chart.

UI only: the controls come from the parameter declarations
(:mod:`experiments.ui.controls`), the charts read the model's output columns
(:mod:`experiments.ui.charts`), and the model is built through the public API
(``IndustryModel(params=<validated scenario>, rng=seed)``). Each browser session builds its
own model in :func:`Page` (``solara.use_memo``), so two sessions never share steps.
"""

from __future__ import annotations

import dataclasses
import html
import threading
import time

import solara
from solara.server import settings as solara_settings

from experiments.ui import charts, controls
from experiments.ui.canvas import ChartCanvas
from model.plugins import load_plugins
from model.scenario import ScenarioError, load_scenario

# The page is an entry point like the `ai-chain` command: installed plugins (entry points)
# are loaded so that scenarios naming plugin instruments, agents or columns work here too.
load_plugins()

# No telemetry, also when started with a plain `solara run server.py` (`ai-chain serve` also
# sets SOLARA_TELEMETRY_MIXPANEL_ENABLE=False before Solara starts).
solara_settings.telemetry.mixpanel_enable = False

#: Chart tabs: name -> chart keys of :data:`experiments.ui.charts.CHARTS`. Only the shown
#: tab's charts are drawn at each step, which keeps a step well under a second.
TABS: dict[str, tuple[str, ...]] = {
    "Chain": ("firms_by_layer", "layer_shares", "base_tech_share"),
    "Sourcing & talent": ("local_sourcing", "talent", "vacancies"),
    "Roles & policy": ("roles", "policy_spend", "rank"),
    "Network & provinces": ("network", "provinces"),
}
#: Pause between steps while playing (seconds), so that clicks get through.
PLAY_PAUSE_S = 0.05
#: Longest wait for the page to show a step while playing (seconds).
SHOW_TIMEOUT_S = 10.0


class Session:
    """One browser session's run: the model, the record of its steps, and a lock.

    Args:
        settings: Validated settings of the first run.
    """

    def __init__(self, settings: controls.RunSettings) -> None:
        self.lock = threading.Lock()
        self.shown = threading.Event()  # set when the page has drawn the current frame
        self.run_id = 0
        self.canvases = {key: ChartCanvas(key) for key in charts.CHARTS}
        self.reset(settings)

    def reset(self, settings: controls.RunSettings) -> charts.Frame:
        """Build a new model from validated settings; return its step-0 frame."""
        from experiments.run.loop import RunLoop

        loop = RunLoop.build(settings.scenario, rng=settings.seed, steps=settings.steps,
                             firm_data="none")
        with self.lock:
            self.run_id += 1
            self.settings = settings
            self.loop = loop
            self.model = loop.model
            self.record = charts.RunRecord.for_loop(self.run_id, loop)
            self.current = self._frame()
            return self.current

    def _frame(self) -> charts.Frame:
        view = charts.network_view(self.model.snapshot(), self.record.region_names[
            self.record.focus])
        return self.record.frame(view)

    @property
    def finished(self) -> bool:
        """True when the run has reached its horizon."""
        return self.loop.done

    def step(self) -> charts.Frame | None:
        """Advance one quarter (``None`` at the horizon) and return the new frame; the
        step that reaches the horizon also finishes the run (``model.finalize()``)."""
        with self.lock:
            if self.finished:
                return None
            self.loop.step()
            self.record.append_rows(self.loop.collect())
            if self.loop.done:
                self.loop.finish()
            self.current = self._frame()
            return self.current


def initial_settings() -> controls.RunSettings:
    """Settings of the page's first run: the default scenario and seed."""
    return controls.settings_from_texts(controls.default_preset(), {})


@solara.component
def Chart(canvas: ChartCanvas, frame: charts.Frame) -> None:
    """One chart (a matplotlib PNG), redrawn only when the frame (run, step, reference)
    changes."""
    png = solara.use_memo(lambda: canvas.png(frame),
                          [canvas.key, frame.key, frame.reference is not None])
    with solara.Card(canvas.spec.title, classes=["ai-chart", f"chart-{canvas.key}"]):
        solara.Image(png, format="png")


@solara.component
def Field(spec: controls.ControlSpec, text: str, message: str | None,
          on_text: object) -> None:
    """One control: a select for fixed choices, else a text field validated on entry."""
    if spec.widget == "select":
        solara.Select(spec.label, values=list(spec.choices or ()), value=text,
                      on_value=on_text, classes=[f"lever-{spec.name}"])
    else:
        solara.InputText(spec.label, value=text, on_value=on_text,
                         error=bool(message), message=message,
                         classes=[f"lever-{spec.name}"])


@solara.component
def RunCard(session: Session, frame: solara.Reactive, playing: solara.Reactive,
            error: solara.Reactive, on_reset: object) -> None:
    """Run status, Step / Play / Reset, the error of the last Reset, and the download.

    Only this card and the charts read the frame, so a step re-renders them and not the
    controls.
    """
    current = frame.value
    settings = session.settings

    def on_step() -> None:
        if not playing.value:
            new = session.step()
            if new is not None:
                frame.set(new)

    with solara.Card("Run", classes=["run-card"]):
        solara.Text(f"{settings.scenario.name}, seed {settings.seed}: step "
                    f"{current.steps[-1]} of {settings.steps} ({current.quarters[-1]})",
                    classes=["run-status"])
        with solara.Row():
            solara.Button("Step", on_click=on_step, color="primary",
                          disabled=playing.value or session.finished)
            solara.Button("Pause" if playing.value else "Play", color="primary",
                          on_click=lambda: playing.set(not playing.value),
                          disabled=session.finished and not playing.value)
            solara.Button("Reset", on_click=on_reset, color="primary", outlined=True)
        if error.value:
            solara.Error(error.value, classes=["run-error"])
        solara.Text("Changes apply on Reset.", style={"font-size": "small"})
        solara.FileDownload(
            lambda: session.record.to_csv(),
            filename=f"ai-chain-{settings.scenario.name}-seed{settings.seed}.csv",
            label="Download this run's data (CSV)",
            mime_type="text/csv")


@solara.component
def ChartPanel(session: Session, frame: solara.Reactive, tab: solara.Reactive,
               reference: object, reference_name: str) -> None:
    """The chart tabs; only the shown tab's charts are drawn."""
    ready = (reference.state == solara.ResultState.FINISHED and reference.value is not None
             and reference.value.size == session.settings.steps + 1)
    current = dataclasses.replace(frame.value, reference=reference.value if ready else None,
                                  reference_name=reference_name)
    solara.use_effect(session.shown.set, [current.key, ready])  # runs once the page is drawn
    with solara.Column():
        solara.ToggleButtonsSingle(value=tab, values=list(TABS), classes=["chart-tabs"])
        with solara.ColumnsResponsive(12, large=6):
            for key in TABS[tab.value]:
                Chart(session.canvases[key], current)


@solara.component
def Page() -> None:
    """The page of one browser session."""
    session = solara.use_memo(lambda: Session(initial_settings()), [])
    frame = solara.use_reactive(session.current)
    run = solara.use_reactive(session.run_id)  # changes on Reset only
    preset = solara.use_reactive(session.settings.preset)
    texts = solara.use_reactive({})
    error = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    tab = solara.use_reactive(next(iter(TABS)))

    base = solara.use_memo(lambda: load_scenario(preset.value), [preset.value])
    specs = solara.use_memo(lambda: controls.control_specs(base), [base])

    settings = session.settings
    reference_preset = controls.default_preset()
    ref_key = (reference_preset, settings.seed, settings.steps, run.value)

    def compute_reference(cancel: threading.Event):
        return charts.reference_series(*ref_key[:3])

    reference = solara.use_thread(compute_reference, dependencies=[ref_key],
                                  intrusive_cancel=False)
    reference_name = solara.use_memo(lambda: f"{load_scenario(reference_preset).name} run",
                                     [reference_preset])

    solara.use_thread(_play_loop(session, frame, playing), dependencies=[playing.value],
                      intrusive_cancel=False)

    def on_reset() -> None:
        playing.set(False)
        try:
            new_settings = controls.settings_from_texts(preset.value, texts.value, specs)
        except ScenarioError as exc:
            error.set(str(exc))
            return
        error.set(None)
        frame.set(session.reset(new_settings))
        run.set(session.run_id)

    def on_preset(value: str) -> None:
        preset.set(value)
        texts.set({k: v for k, v in texts.value.items() if k == "seed"})
        error.set(None)

    field = _field_renderer(texts, base)
    solara.Title(f"ai-chain: {base.focus}'s AI industry chain")
    with solara.AppBar():
        solara.AppBarTitle(f"ai-chain — {base.focus}'s AI industry chain under policy")
    with solara.Sidebar():
        RunCard(session, frame, playing, error, on_reset)
        with solara.Card("Scenario"):
            solara.Select("preset", values=controls.preset_options(), value=preset.value,
                          on_value=on_preset, classes=["lever-preset"])
            for spec in specs:
                if spec.group == "run":
                    field(spec)
        _policy_card(base, specs, field)
    ChartPanel(session, frame, tab, reference, reference_name)


# Plain functions called while Page renders (they use no hooks, so the page's element tree
# and hook order are the same as if their code were inline in Page).
def _play_loop(session: Session, frame: solara.Reactive, playing: solara.Reactive):
    """The Play thread's function: step, show, wait until drawn, until paused or done."""
    def play_loop(cancel: threading.Event) -> None:
        while playing.value and not cancel.is_set():
            new = session.step()
            if new is None:
                playing.set(False)
                return
            session.shown.clear()
            frame.set(new)
            # wait until the page has drawn this step: stepping on while a render is in
            # progress would keep it re-rendering without ever sending the result
            session.shown.wait(timeout=SHOW_TIMEOUT_S)
            time.sleep(PLAY_PAUSE_S)
    return play_loop


def _field_renderer(texts: solara.Reactive, base: object):
    """``field(spec)``: one control showing the text typed so far and its check."""
    def setter(name: str):
        def set_text(value: str | None) -> None:
            texts.set({**texts.value, name: "" if value is None else str(value)})
        return set_text

    def field(spec: controls.ControlSpec) -> None:
        text = texts.value.get(spec.name, spec.text)
        message = controls.check_text(spec, text, base)
        Field(spec, text, message, setter(spec.name))
    return field


def _policy_card(base: object, specs: list[controls.ControlSpec], field: object) -> None:
    """The focus region's policy package: each instrument's budget, then its settings."""
    from agents.instruments import INSTRUMENTS

    with solara.Card(f"{base.focus}'s policy package", classes=["levers"]):
        for inst, group in controls.instrument_groups(specs).items():
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"<b>{html.escape(inst.replace('_', ' '))}</b> — "
                f"{html.escape(INSTRUMENTS[inst].target)}"),
                style={"font-size": "small", "margin-top": "8px"})
            budget = [s for s in group if s.setting == "budget"]
            others = [s for s in group if s.setting != "budget"]
            for spec in budget:
                field(spec)
            if others:
                with solara.Details(summary=f"{inst.replace('_', ' ')} settings"):
                    for spec in others:
                        field(spec)
