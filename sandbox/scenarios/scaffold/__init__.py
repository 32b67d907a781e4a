"""`python -m sandbox scenarios new ID`: a scenario folder to start from.

The files under template/ are a small but real scenario (register a storefront account with a given
phone, write a product's price on the answer sheet) that validates and verifies as it is; scenario.yaml
explains every field in comments. `__ID__` and `__TITLE__` in it are replaced by the new id and title.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"


def create(folder: Path, scenario_id: str, title: str | None = None) -> list[Path]:
    """Write the scaffold into `folder` (which must not exist); returns the files written."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir()
    written = []
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        target = folder / source.relative_to(TEMPLATE)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.name == "scenario.yaml":
            text = source.read_text(encoding="utf-8")
            text = text.replace("__ID__", scenario_id)
            text = text.replace("__TITLE__", json.dumps(title or f"新场景 {scenario_id}", ensure_ascii=False))
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written
