"""World stores compared: SQLite files, PostgreSQL database per world, PostgreSQL schema per world.

Prints, per store, the median and p95 in ms of: cloning the b2c-purchase template (the copy alone),
a ready world (what start_attempt does: copy, draw, overlay, record), the same two with spare
worlds copied ahead (PostgreSQL), a grading snapshot, the canonical
hash, and dropping a world. The schema-per-world variant is measured here only (create the tables in a
new schema, copy every row, set the sequences): it is the alternative the README weighs against
`CREATE DATABASE … TEMPLATE …`.

    .venv/bin/python benchmarks/world_store.py [--worlds 30] [--postgres postgresql://postgres@127.0.0.1:5432/]
"""

from __future__ import annotations

import argparse
import time
import uuid

from _common import summary, temp_app
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from sandbox.control import attempts as attempt_service
from sandbox.control import people
from sandbox.worlds.store import canonical_hash


def _ms(fn, n: int) -> list[float]:  # noqa: ANN001
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _line(label: str, values: list[float]) -> None:
    median, p95 = summary(values)
    print(f"  {label:28} median {median:7.1f} ms   p95 {p95:7.1f} ms   (n={len(values)})")


def bench_store(label: str, n: int, **config) -> None:  # noqa: ANN003
    app = temp_app(**config)
    rt = app.extensions["sandbox"]
    scenario = rt.scenarios.get("b2c-purchase")
    template, built = attempt_service.template_for(rt, scenario)
    print(f"{label}: template build {built:.1f} s")
    run = uuid.uuid4().hex[:6]
    copies = []

    def clone(i: int) -> None:
        copies.append(rt.store.create(f"bench-{run}-{i}", template, lambda w: None))

    _line("clone (copy only)", _ms(clone, n))
    db = rt.control.session()
    exam = people.create_exam(db, f"B-{run}", "benchmark", [scenario.id])
    cands = [people.add_candidate(db, exam, f"B{i:05d}", f"考生{i}", "bench-pass") for i in range(n)]
    db.commit()
    attempts = []
    _line(
        "ready world (start_attempt)",
        _ms(
            lambda i: attempts.append(attempt_service.start_attempt(rt, db, scenario, candidate=cands[i])), n
        ),
    )
    snaps = []
    _line(
        "snapshot",
        _ms(lambda i: snaps.append(rt.store.snapshot(attempts[i].world_path, f"snap-{run}-{i}")), n),
    )
    _line("canonical hash", _ms(lambda i: canonical_hash(snaps[i]), min(n, 10)))
    _line("drop", _ms(lambda i: rt.store.drop(copies[i]), n))
    if rt.store.kind == "postgresql":
        # An exam centre warms spares before the hall opens (`python -m sandbox worlds warm`).
        started = time.perf_counter()
        rt.store.prepare_spares(template, n)
        print(f"  {n} spares made in {time.perf_counter() - started:.1f} s (before the hall opens)")
        spare = []
        _line(
            "clone (a spare taken)",
            _ms(lambda i: spare.append(rt.store.create(f"sp-{run}-{i}", template, lambda w: None)), n),
        )
        more = [people.add_candidate(db, exam, f"C{i:05d}", f"考生{i}", "bench-pass") for i in range(n)]
        db.commit()
        rt.store.prepare_spares(template, n)
        _line(
            "ready world (with spares)",
            _ms(lambda i: attempt_service.start_attempt(rt, db, scenario, candidate=more[i]), n),
        )
    db.close()
    if rt.store.kind == "postgresql":
        rt.store.drop_all()


def bench_schema_copy(server: str, n: int) -> None:
    """Schema per world in one database: DDL for every table, copy the rows, set the sequences."""
    from sandbox.domains import load_models
    from sandbox.worlds.base import WorldBase
    from sandbox.worlds.pgstore import PostgresWorldStore
    from seed_data.generate import build_world

    load_models()
    store = PostgresWorldStore(server, f"bs{uuid.uuid4().hex[:6]}_")
    try:
        template, _ = store.ensure_template("schema-bench", build_world)
        url = store.locator(store.dbname(template))
        tables = WorldBase.metadata.sorted_tables
        print("postgresql, schema per world (measured only):")

        def clone(i: int) -> None:
            schema = f"w{i}"
            engine = create_engine(
                url, poolclass=NullPool, connect_args={"options": f"-csearch_path={schema}"}
            )
            with engine.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            WorldBase.metadata.create_all(engine)
            with engine.begin() as conn:
                for table in tables:
                    conn.exec_driver_sql(
                        f'INSERT INTO {schema}."{table.name}" SELECT * FROM public."{table.name}"'
                    )
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and pk[0].autoincrement in (True, "auto"):
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{schema}.\"{table.name}\"', '{pk[0].name}'), "
                                f'coalesce((SELECT max("{pk[0].name}") FROM {schema}."{table.name}"), 0) + 1, false)'
                            )
                        )
            engine.dispose()

        _line("clone (copy only)", _ms(clone, n))
    finally:
        store.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worlds", type=int, default=30)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/")
    args = parser.parse_args()
    bench_store("sqlite files", args.worlds)
    if args.postgres:
        prefix = f"bw{uuid.uuid4().hex[:6]}_"
        bench_store(
            "postgresql, database per world",
            args.worlds,
            WORLD_STORE=args.postgres,
            WORLD_STORE_PREFIX=prefix,
        )
        bench_schema_copy(args.postgres, min(args.worlds, 10))


if __name__ == "__main__":
    main()
