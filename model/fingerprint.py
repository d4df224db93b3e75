"""The numerical fingerprint: a digest of a short fixed run, to tell machines apart.

Two processes that compute the same fingerprint give the same numbers for every scenario
and seed (as far as a short run can tell: it goes through every phase of the step, so
through every kind of kernel the model uses). Two that do not — another CPU's kernels,
another numpy, another architecture, an unpinned numpy — must not have their results
mixed. The fingerprint is recorded in every run's and experiment's provenance; experiment
workers compute it on start and are refused when it differs from the experiment folder's
(``experiments/batch/tasks.py``, ``experiments/batch/dask_workers.py``).

The computation: the shipped ``small`` scenario, seed :data:`SEED`, :data:`STEPS`
quarters, then the SHA-256 of the float64 bytes (little-endian, full precision) of the
region columns :data:`REGION_COLUMNS` and the firm columns :data:`FIRM_COLUMNS` after every
quarter. The columns are fixed by name, so installed plugins (which add columns of their
own) do not change it. It takes about 50 ms and is computed once per process.
"""

from __future__ import annotations

import hashlib
from typing import Any

#: Seed and length of the fingerprint run.
SEED = 20230101
STEPS = 4
#: The scenario (shipped preset).
SCENARIO = "small"
#: Region columns digested (built-in columns that go through every phase of the step).
REGION_COLUMNS = (
    "firms_total", "firms_base", "firms_tech", "firms_app", "leading_firms", "little_giants",
    "integrators", "projects", "integrator_project_share", "local_sourcing_base",
    "local_sourcing_tech", "local_sourcing_app", "talent_general", "talent_high_end",
    "talent_composite", "vacancies_unfilled", "wage_general", "wage_high_end",
    "wage_composite", "net_migration", "employment", "ai_revenue", "value_added_retained",
    "capability_base", "capability_tech", "capability_app", "brand_mean", "innovations",
    "partnerships_per_firm", "compute_utilization", "policy_spend", "entries", "exits",
    "branches_opened", "relocations_in", "relocations_out",
)
#: Firm columns digested (numeric state of every live firm).
FIRM_COLUMNS = ("firm_id", "employees_general", "employees_high_end",
                "employees_composite", "revenue", "capability", "brand", "price", "cash",
                "profit", "rd", "age")

_cache: dict[str, str] = {}


def compute() -> str:
    """Run the fingerprint computation now; return its hex digest (see the module doc)."""
    import numpy as np

    from model.model import IndustryModel

    model = IndustryModel(SCENARIO, rng=SEED)
    digest = hashlib.sha256()

    def add(name: str, values: Any) -> None:
        digest.update(name.encode() + b"\0")
        digest.update(np.ascontiguousarray(values, dtype="<f8").tobytes())

    for _ in range(STEPS):
        model.step()
        rows = model.region_rows
        for name in REGION_COLUMNS:
            add(name, rows[name])
        firms = model.firm_rows()
        for name in FIRM_COLUMNS:
            add(name, firms[name])
    model.finalize()
    return digest.hexdigest()


def fingerprint() -> str:
    """This process's fingerprint (computed on the first call, then cached)."""
    if "digest" not in _cache:
        _cache["digest"] = compute()
    return _cache["digest"]


def describe() -> dict[str, Any]:
    """The fingerprint with what produced it, for provenance records."""
    from model import numerics

    st = numerics.status()
    return {"digest": fingerprint(), "scenario": SCENARIO, "seed": SEED, "steps": STEPS,
            "numpy": st["numpy"], "machine": st["machine"], "dispatch": st["mode"],
            "active_targets": st["active_targets"], "pinned": st["pinned"]}
