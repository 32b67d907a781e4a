"""`python -m sandbox theory …`: import and export the question bank, count it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sandbox.errors import DomainError


def _session():  # noqa: ANN202
    """A session on the app's control database (as the other commands open it)."""
    from sandbox import create_app

    return create_app().extensions["sandbox"].control.session()


@click.group("theory")
def theory() -> None:
    """Theory question bank: import, export, stats."""


@theory.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def theory_import(file: Path) -> None:
    """Import a GIFT (.gift/.txt) or Excel (.xlsx) file: all questions or, if a row is bad, none."""
    from sandbox.theory.importing import import_file

    db = _session()
    try:
        report = import_file(db, file)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    if not report.ok:
        for error in report.errors:
            click.echo(error.line(), err=True)
        click.echo(f"{len(report.errors)} error(s); nothing imported", err=True)
        sys.exit(1)
    click.echo(f"imported {report.imported} questions ({report.added} added, {report.updated} updated)")


@theory.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def theory_export(file: Path) -> None:
    """Write the whole bank to FILE, as GIFT (.gift/.txt) or Excel (.xlsx) by its extension."""
    from sandbox.theory.bank import all_questions
    from sandbox.theory.importing import export_bytes, file_format

    try:
        fmt = file_format(file.name)
    except DomainError:
        raise click.ClickException(f"{file}: export to a .gift, .txt or .xlsx file") from None
    db = _session()
    try:
        data = export_bytes(db, fmt)
        count = len(all_questions(db))
    finally:
        db.close()
    file.write_bytes(data)
    click.echo(f"exported {count} questions to {file}")


@theory.command("stats")
def theory_stats() -> None:
    """Print `questions <N>`, then the counts per level, type and knowledge point."""
    from sandbox.theory.bank import stats

    db = _session()
    try:
        for line in stats(db).lines():
            click.echo(line)
    finally:
        db.close()
