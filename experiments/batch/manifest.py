"""Planning: every run of an experiment, its ``run_id`` and seed, and ``manifest.parquet``.

One run is one (policy, sweep point, replication). Replication ``i`` uses
``SeedSequence(seed).spawn(replications)[i]`` (entropy ``seed``, spawn key ``(i,)``) for
every policy and point, so that policies are compared under common random numbers.

``run_id`` is the SHA-256 of the canonical JSON of what determines the run's numbers: the
model version (:data:`model.MODEL_VERSION`), a digest of the outside code that runs
(plugins and the model hook, :func:`experiments.run.codeid.code_digest`; left out when there is
none), a digest of the policy's resolved base scenario, the run's dotted overrides, the
horizon and the seed (entropy and spawn key). The same run therefore has the same id in
every plan, which is what resume relies on; changed plugin or hook code gives new ids.

Every run also carries the numerical fingerprint of the planning process
(:mod:`model.fingerprint`): the worker that runs it checks its own against it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from experiments.batch.design import Design
from experiments.run.defaults import horizon_override


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run (small and picklable)."""

    run_id: str
    policy: str
    point: int
    replication: int
    scenario_path: str | None
    overrides: tuple[tuple[str, Any], ...]
    seed_entropy: int
    spawn_key: tuple[int, ...]
    steps: int
    outputs: str
    columns: tuple[str, ...]
    regions: tuple[str, ...]
    focus_region: str
    firm_data: str
    model: str
    plugins: tuple[str, ...]
    fingerprint: str = ""


def canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, no NaN."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      default=_plain)


def _plain(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def run_id_for(base_digest: str, overrides: dict[str, Any], steps: int, entropy: int,
               spawn_key: tuple[int, ...], code: str = "") -> str:
    """The run's id (see the module docstring); ``code`` is the outside-code digest."""
    from model import MODEL_VERSION

    payload = {"model_version": MODEL_VERSION, "base": base_digest, "overrides": overrides,
               "steps": steps, "seed_entropy": str(entropy), "spawn_key": list(spawn_key)}
    if code:
        payload["code"] = code
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _base_digest(design: Design, policy_name: str) -> tuple[str, dict[str, Any]]:
    """Digest of a policy's resolved scenario, and the time.steps override it needs."""
    pol = design.policies[policy_name]
    if design.model:
        return hashlib.sha256(canonical_json({"model": design.model}).encode()).hexdigest(), {}
    from model.scenario import load_scenario

    scen = load_scenario(pol.scenario_path, pol.overrides)
    digest = hashlib.sha256(canonical_json(scen.values).encode()).hexdigest()
    extra = horizon_override(scen, design.steps)
    return digest, extra


def plan_runs(design: Design, fingerprint: str | None = None) -> list[RunSpec]:
    """Every run of the design, policy by policy, point by point (SALib sample order),
    replication by replication.

    Args:
        design: The validated experiment (its plugins already loaded).
        fingerprint: The digest the workers must reproduce (default: this process's).
    """
    from numpy.random import SeedSequence

    from experiments.run.codeid import code_digest, code_identity
    from model.fingerprint import fingerprint as own_fingerprint

    code = code_digest(code_identity(design.model))
    fingerprint = own_fingerprint() if fingerprint is None else fingerprint
    children = SeedSequence(design.seed).spawn(design.replications)
    swept = set(design.sweep.policies) if design.sweep else set()
    specs: list[RunSpec] = []
    for name, pol in design.policies.items():
        digest, extra = _base_digest(design, name)
        points: list[tuple[int, dict[str, Any]]] = [(-1, {})]
        if name in swept:
            points = list(enumerate(design.sweep.points))
        for index, point in points:
            overrides = {**pol.overrides, **point, **extra}
            for rep, child in enumerate(children):
                key = tuple(int(k) for k in child.spawn_key)
                entropy = int(child.entropy)
                specs.append(RunSpec(
                    run_id=run_id_for(digest, overrides, design.steps, entropy, key, code),
                    policy=name, point=index, replication=rep,
                    scenario_path=str(pol.scenario_path) if pol.scenario_path else None,
                    overrides=tuple(overrides.items()), seed_entropy=entropy, spawn_key=key,
                    steps=design.steps, outputs=design.outputs,
                    columns=tuple(design.columns), regions=tuple(design.regions),
                    focus_region=design.focus_region, firm_data=design.firm_data,
                    model=design.model, plugins=tuple(design.plugins),
                    fingerprint=fingerprint))
    return specs


def manifest_table(design: Design, specs: list[RunSpec]) -> pa.Table:
    """``manifest.parquet``: one row per run (columns in ``docs/experiments.md``)."""
    cols: dict[str, pa.Array] = {
        "run_id": pa.array([s.run_id for s in specs], pa.string()),
        "policy": pa.array([s.policy for s in specs], pa.string()),
        "point": pa.array([s.point for s in specs], pa.int64()),
        "replication": pa.array([s.replication for s in specs], pa.int64()),
        "seed_entropy": pa.array([str(s.seed_entropy) for s in specs], pa.string()),
        "spawn_key": pa.array([json.dumps(list(s.spawn_key)) for s in specs], pa.string()),
        "steps": pa.array([s.steps for s in specs], pa.int64()),
        "overrides": pa.array([canonical_json(dict(s.overrides)) for s in specs],
                              pa.string()),
    }
    if design.sweep:
        for lever in design.sweep.levers:
            values = [dict(s.overrides).get(lever.name) if s.point >= 0 else None
                      for s in specs]
            numeric = all(v is None or (isinstance(v, (int, float))
                                        and not isinstance(v, bool)) for v in values)
            if numeric:
                cols[lever.name] = pa.array([None if v is None else float(v) for v in values],
                                            pa.float64())
            else:
                cols[lever.name] = pa.array([None if v is None else str(v) for v in values],
                                            pa.string())
    return pa.table(cols)
