"""The core's layer contract: a module imports only from its own layer or the layers below
(the equivalent of an import-linter "layers" contract, read from the source with ``ast`` so
it needs no extra tool). Every import counts, including those inside functions: a lazy import
is still a dependency. The wire formats and the container toolkit that local images build on
also import neither pyspark nor boto3 (nor botocore) at module level (checked statically
here; the import-weight tests check the modules actually loaded). The core never imports the
emulator (``smspark_local``), whose container toolkit imports neither Spark, AWS nor the
emulated service.

Bottom to top, as README's "Layout" describes them."""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

SOURCE = Path(__file__).parents[2] / "src"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("foundation", "foundation.*")),
    ("wire formats", ("codecs", "codecs.*")),
    ("Spark-facing codecs", ("transformation", "transformation.*")),
    ("plugin contract", ("plugins", "plugins.*")),
    ("AWS conversations", ("aws", "aws.*")),
    ("executor side", ("executor", "executor.*", "datasource", "datasource.*")),
    (
        "stages",
        (
            "stage_params",
            "estimator",
            "model",
            "batch_transform",
            "batch_transform_settings",
            "algorithms",
            "algorithms.*",
        ),
    ),
    ("entry points", ("sdk", "local", "cli", "accessor_codegen", "")),
]

# Layers whose modules must not import these at module level.
NO_SPARK_OR_AWS = ("foundation", "wire formats")
HEAVY = ("pyspark", "boto3", "botocore")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE / "smspark_core").with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    """The index of ``module``'s layer (a name relative to ``smspark_core``)."""
    for index, (_, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns):
            return index
    raise AssertionError(f"smspark_core.{module} is in no layer of tests/core/test_layers.py")


MODULES = {_module_name(p): p for p in sorted((SOURCE / "smspark_core").rglob("*.py"))}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) of every import in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from smspark_core import x`` imports the submodule x when there is one, and
            # the package itself only for the names that are not submodules.
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                is_module = submodule.removeprefix("smspark_core.") in MODULES
                found.append(
                    (submodule if is_module else node.module, node.lineno, id(node) in top_level)
                )
    return found


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_only(module):
    own = layer_of(module)
    upward = []
    for imported, line, _ in _imports(MODULES[module]):
        if imported != "smspark_core" and not imported.startswith("smspark_core."):
            continue
        target = imported.removeprefix("smspark_core").removeprefix(".")
        if target not in MODULES:  # a name, not a module: its module is checked on its own
            continue
        if layer_of(target) > own:
            upward.append(f"line {line}: {imported} ({LAYERS[layer_of(target)][0]})")
    assert not upward, (
        f"smspark_core.{module} ({LAYERS[own][0]}) imports from a higher layer: {upward}"
    )


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if LAYERS[layer_of(m)][0] in NO_SPARK_OR_AWS)
)
def test_wire_formats_and_toolkit_import_no_spark_or_aws(module):
    heavy = [
        f"line {line}: {imported}"
        for imported, line, top in _imports(MODULES[module])
        if top and imported.split(".")[0] in HEAVY
    ]
    assert not heavy, f"smspark_core.{module} imports at module level: {heavy}"


def test_the_contract_catches_an_upward_import(tmp_path, monkeypatch):
    """The check itself can fail: a wire format importing the model is reported."""
    module = tmp_path / "smspark_core" / "codecs" / "bad.py"
    module.parent.mkdir(parents=True)
    module.write_text("from smspark_core.model import SageMakerModel\n")
    monkeypatch.setitem(MODULES, "codecs.bad", module)
    with pytest.raises(AssertionError, match=r"codecs.bad \(wire formats\) imports from a higher"):
        test_imports_point_down_only("codecs.bad")


def test_the_core_never_imports_the_emulator():
    """smspark-core works without smspark-local: only the ``smspark_core.local`` alias
    reaches it, by ``importlib`` with an error that says what to install."""
    found = [
        f"{module} line {line}"
        for module, path in MODULES.items()
        for imported, line, _ in _imports(path)
        if imported.split(".")[0] == "smspark_local"
    ]
    assert not found


EMULATOR = Path(__file__).parents[2] / "emulator" / "src" / "smspark_local"
TOOLKIT = sorted((EMULATOR / "toolkit").glob("*.py"))


@pytest.mark.parametrize("path", TOOLKIT, ids=lambda p: p.stem)
def test_the_container_toolkit_imports_no_spark_aws_or_service(path):
    """Local images are written with the toolkit alone: it imports neither pyspark nor boto3
    nor the emulated service, at any level."""
    bad = [
        f"line {line}: {imported}"
        for imported, line, _ in _imports(path)
        if imported.split(".")[0] in HEAVY or imported.startswith("smspark_local.service")
    ]
    assert not bad, f"smspark_local.toolkit.{path.stem} imports: {bad}"
