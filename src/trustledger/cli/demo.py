"""The demo's database: a synthetic population's history, one key per role, a restricted subject."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from trustledger.batch.population import PopulationSpec
from trustledger.batch.population_files import FileFormat, write_population
from trustledger.bootstrap import Registry
from trustledger.domain.rulebook import Mode, scopes_for
from trustledger.domain.submissions import Source


@dataclass
class DemoKeys:
    by_role: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (name, secret)
    restricted_subject: str | None = None
    access_code: str | None = None  # for the portal, from the example subject's newest notice


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), console=console
    )


def build_demo(
    registry: Registry, *, people: int, seed: int, workdir: Path, console: Console
) -> DemoKeys:
    today = registry.clock.today()
    registry.migrate()
    parquet = workdir / "population.parquet"
    with _progress(console) as bar:
        task = bar.add_task("generating people", total=people)
        spec = PopulationSpec(people, seed=seed, as_of=today)
        write_population(spec, parquet, FileFormat.PARQUET, progress=lambda n: bar.advance(task, n))
    rows = [_row(r) for r in pq.read_table(parquet).to_pylist()]
    keys = DemoKeys()
    sources = _source_keys(registry, rows, keys)
    restricting = frozenset(r.code for r in registry.rulebook.rules if r.restriction is not None)
    with console.status(f"loading {len(rows)} records with their history"):
        registry.history.load(rows, sources=sources, restricting=restricting)
    with _progress(console) as bar:
        task = bar.add_task("evaluating subjects", total=registry.recompute.count_subjects())
        report = registry.recompute.run(advance=lambda n: bar.advance(task, n))
    console.print(
        f"{len(rows)} records, {report.subjects} subjects, {report.restrictions} restrictions"
    )
    for role in ("checker", "officer", "auditor"):
        created = registry.keys.create(role=role, name=f"demo-{role}", actor="demo")
        keys.by_role[role] = (created.principal.name, created.secret)
    keys.restricted_subject = _restricted(registry, rows)
    if keys.restricted_subject:
        created = registry.keys.create(role="subject", name=keys.restricted_subject, actor="demo")
        keys.by_role["subject"] = (created.principal.name, created.secret)
        keys.access_code = _fresh_notice(registry, keys.restricted_subject, sources)
    return keys


def _fresh_notice(registry: Registry, subject: str, sources: dict[str, Source]) -> str | None:
    """A record submitted today through intake, so its notice letter (and access code) is real."""
    rail = next((s for s in sources.values() if s.may_submit("rail.smoking")), None)
    if rail is None:
        return None
    today = registry.clock.today()
    # Smoking on a train: a rule with no attributes in any version (rail.disorder needs two from
    # 2027), so the demo's fresh notice is accepted whatever the date.
    body = {
        "subject": subject,
        "type": "rail.smoking",
        "occurred_on": (today - timedelta(days=20)).isoformat(),
        "decided_on": (today - timedelta(days=2)).isoformat(),
        "case_ref": f"DEMO-{subject}",
        "evidence_ref": "demo",
    }
    result = registry.intake.submit(body, source=rail)
    return next((n.access_code for n in result.notices), None)


def _row(r: dict[str, Any]) -> dict[str, Any]:
    attributes = {k: v for k, v in (r.get("attributes") or {}).items() if v is not None}
    return {**r, "attributes": attributes}


def _source_keys(
    registry: Registry, rows: list[dict[str, Any]], keys: DemoKeys
) -> dict[str, Source]:
    types: dict[str, set[str]] = {}
    for row in rows:
        types.setdefault(row["source"], set()).add(row["type"])
    sources = {}
    for name in sorted(types):
        created = registry.keys.create(
            role="source", name=name, types=sorted(types[name]), actor="demo"
        )
        sources[name] = created.principal.as_source()
        if "source" not in keys.by_role and name.startswith("court-"):
            keys.by_role["source"] = (name, created.secret)
    return sources


def _restricted(registry: Registry, rows: list[dict[str, Any]]) -> str | None:
    """A subject barred from flying today, to show the check deny."""
    today = registry.clock.today()
    air = scopes_for(Mode.AIR)
    candidates = [
        r["subject"] for r in rows if r["type"].startswith("air.") and r.get("noticed_on")
    ]
    for subject in candidates[:50]:
        state = registry.files.read(subject, actor="demo", purpose="demo: pick an example subject")
        if state.restriction_on(today, air) is not None:
            return str(subject)
    return None
