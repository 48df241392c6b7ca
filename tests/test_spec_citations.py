"""Every test module names the section of docs/spec.md it holds servers to, and every citation of
the spec in the code names a section that exists (anchors are ``<a id="..."></a>`` lines)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from compliance.report import spec_section

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', (ROOT / "docs/spec.md").read_text()))
TEST_MODULES = sorted(p for p in (ROOT / "compliance").rglob("test_*.py"))
CODE = sorted(
    p for d in ("compliance", "faults", "bench", "tests") for p in (ROOT / d).rglob("*.py")
)
CITATION = re.compile(r"(?:docs/spec\.md|\bspec)#([a-z0-9-]+)")


@pytest.mark.parametrize("path", TEST_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_test_module_cites_its_section(path: Path) -> None:
    # read, not imported: test modules need the suite's markers, registered by its conftest
    section = spec_section(ast.get_docstring(ast.parse(path.read_text())))
    assert section in ANCHORS, f"{path.name}: docstring cites {section!r}"


def test_every_citation_names_an_existing_section() -> None:
    cited = {
        (str(path.relative_to(ROOT)), anchor)
        for path in CODE
        for anchor in CITATION.findall(path.read_text())
    }
    assert cited, "no citations found: the pattern is wrong"
    assert sorted((f, a) for f, a in cited if a not in ANCHORS) == []
