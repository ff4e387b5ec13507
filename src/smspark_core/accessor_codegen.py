"""Writes the setters and getters of declared Params as source, so that IDEs and type
checkers see them (pyspark.ml does the same for its shared Params). Two kinds:

* **Stage settings** (``StageSetting``, in the core): for each class of the given modules that
  declares them, a mixin ``<Class>Accessors`` with ``set<Name>(value)`` (chainable, checked
  by the Param's converter) and ``get<Name>()`` (typed by the setting's ``value_type``), in
  one generated module; the class inherits the mixin. It reads the modules' source
  (``ast``), never imports them, so a new setting can be added before its accessors exist.
* **Hyperparameters** (``HyperParameter``, in algorithm plugins): the accessors go into the
  estimator class itself, between two marker comments, named as the class's
  ``accessor_names`` says (``num_class`` -> ``NumClasses``; otherwise ``max_depth`` ->
  ``MaxDepth``), skipping ``accessor_skip``, with each setter's docstring saying where it
  differs from sagemaker_pyspark's (the Param's ``differs`` and ``accessor_notes``). The
  module is imported to read the declarations; the class works without its accessors, so
  a new plugin can be generated the first time.

    python -m smspark_core.accessor_codegen                        # the core's settings
    python -m smspark_core.accessor_codegen OUT.py SRC.py...       # settings of other modules
    python -m smspark_core.accessor_codegen --in-place MODULE...   # hyperparameters

Tests check that the committed sources are current.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import keyword
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

CORE_DIR = Path(__file__).resolve().parent
CORE_OUTPUT = CORE_DIR / "aws" / "_accessors.py"
CORE_SOURCES = tuple(
    CORE_DIR / name
    for name in (
        "stage_params.py",
        "aws/training_options.py",
        "aws/hosting_options.py",
        "batch_transform_settings.py",
    )
)

# Where the non-builtin types of ``value_type`` come from (imported for type checking only).
TYPE_IMPORTS = {
    "RequestRowSerializer": "smspark_core.transformation.serializers",
    "ResponseRowDeserializer": "smspark_core.transformation.deserializers",
    "EndpointCreationPolicy": "smspark_core.aws.resources",
    "IAMRoleResource": "smspark_core.aws.resources",
    "NamePolicy": "smspark_core.aws.resources",
    "NamePolicyFactory": "smspark_core.aws.resources",
    "S3DataPath": "smspark_core.aws.resources",
    "S3Resource": "smspark_core.aws.resources",
}
BUILTIN_TYPES = {"Any", "None", "str", "int", "float", "bool", "dict", "list"}


@dataclass(frozen=True)
class Declared:
    """One Param declaration: the Param's name and its value type."""

    name: str
    value_type: str

    @property
    def suffix(self) -> str:
        return self.name[0].upper() + self.name[1:]


def declarations(source: str, factory: str = "StageSetting") -> dict[str, list[Declared]]:
    """The Params each class of ``source`` declares with ``factory(name, doc, converter,
    value_type, ...)``, in source order."""
    found: dict[str, list[Declared]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        params = []
        for statement in node.body:
            if not (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Call)
                and isinstance(statement.value.func, ast.Name)
                and statement.value.func.id == factory
            ):
                continue
            call = statement.value
            name = ast.literal_eval(call.args[0])
            value_type = "Any"
            if len(call.args) > 3:
                value_type = ast.literal_eval(call.args[3])
            for argument in call.keywords:
                if argument.arg == "value_type":
                    value_type = ast.literal_eval(argument.value)
            params.append(Declared(name, value_type))
        if params:
            found[node.name] = params
    return found


def _type_names(value_type: str) -> set[str]:
    return {
        node.id
        for node in ast.walk(ast.parse(value_type, mode="eval"))
        if isinstance(node, ast.Name)
    }


def render(classes: dict[str, list[Declared]], origins: list[str]) -> str:
    """The accessor module for ``classes`` (class name -> its declared Params)."""
    used = set().union(*(_type_names(p.value_type) for ps in classes.values() for p in ps))
    unknown = sorted(used - BUILTIN_TYPES - set(TYPE_IMPORTS))
    if unknown:
        raise ValueError(f"value types without a known import: {unknown}; add them to TYPE_IMPORTS")
    imports: dict[str, list[str]] = {}
    for name in sorted(used & set(TYPE_IMPORTS)):
        imports.setdefault(TYPE_IMPORTS[name], []).append(name)
    typing_names = [
        name
        for name, needed in (("TYPE_CHECKING", imports), ("Any", "Any" in used), ("TypeVar", 1))
        if needed
    ]
    lines = [
        '"""Setters and getters of the Params declared in:',
        "",
        *(f"* {name}" for name in origins),
        "",
        "Generated by ``python -m smspark_core.accessor_codegen``; do not edit.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"from typing import {', '.join(typing_names)}",
        "",
        "from pyspark.ml.param import Params",
        "",
    ]
    if imports:
        lines.append("if TYPE_CHECKING:")
        for module, names in sorted(imports.items()):
            line = f"    from {module} import {', '.join(names)}"
            if len(line) > 100:
                line = "\n".join(
                    [f"    from {module} import (", *(f"        {n}," for n in names), "    )"]
                )
            lines.append(line)
        lines.append("")
    lines += ['_P = TypeVar("_P", bound=Params)', ""]
    for class_name, params in classes.items():
        lines += ["", f"class {class_name}Accessors(Params):"]
        for param in params:
            lines += [
                f"    def set{param.suffix}(self: _P, value: {param.value_type}) -> _P:",
                f"        return self._set({param.name}=value)",
                "",
                f"    def get{param.suffix}(self) -> {param.value_type}:",
                f'        return self.getOrDefault("{param.name}")',
                "",
            ]
        lines.pop()
        lines.append("")
    return "\n".join(lines)


def generate(sources: tuple[Path, ...]) -> str:
    classes: dict[str, list[Declared]] = {}
    for path in sources:
        classes.update(declarations(path.read_text()))
    return render(classes, [f"``{path.name}``" for path in sources])


# ------------------------------------------------------------------------ hyperparameters

BEGIN = "    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`."
END = "    # End of the generated accessors."


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


def _docstring(text: str) -> list[str]:
    """``text`` as a docstring indented for a method body, wrapped at 100 columns."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    paragraphs = text.split("\n\n")
    lines: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        first = '"""' if index == 0 else ""
        wrapped = textwrap.wrap(
            paragraph,
            width=97,  # room for the closing quotes on the last line
            initial_indent=" " * 8 + first,
            subsequent_indent=" " * 8,
            break_on_hyphens=False,
        )
        lines += wrapped + ([""] if index < len(paragraphs) - 1 else [])
    lines[-1] += '"""'
    return lines


def _call(head: str, arguments: list[str]) -> list[str]:
    """``head(arguments)`` in a method body, split as ruff's formatter splits a long call."""
    line = f"        {head}({', '.join(arguments)})"
    if len(line) <= 100:
        return [line]
    joined = f"            {', '.join(arguments)}"
    if len(joined) <= 100:
        return [f"        {head}(", joined, "        )"]
    return [f"        {head}(", *(f"            {a}," for a in arguments), "        )"]


def _signature(name: str, parameters: str, returns: str) -> list[str]:
    line = f"    def {name}({parameters}) -> {returns}:"
    if len(line) <= 100:
        return [line]
    return [f"    def {name}(", f"        {parameters}", f"    ) -> {returns}:"]


def hyperparameter_accessors(cls: type) -> list[str]:
    """The generated block of ``cls``: accessors of the hyperparameters it declares itself."""
    from smspark_core.algorithms.params import HyperParameter

    names: dict[str, str] = getattr(cls, "accessor_names", {})
    skip = set(getattr(cls, "accessor_skip", ()))
    notes: dict[str, str] = getattr(cls, "accessor_notes", {})
    lines = [BEGIN]
    for attribute, param in vars(cls).items():
        if not isinstance(param, HyperParameter) or param.name in skip:
            continue
        suffix = names.get(param.name, _camel(param.name))
        note = " ".join(n for n in (param.differs, notes.get(param.name, "")) if n)
        doc = f"Sets the ``{param.name}`` hyperparameter. {param.doc}"
        if note:
            doc += f"\n\nUnlike sagemaker_pyspark: {note}"
        assign = (
            f"{param.name}=value"
            if param.name.isidentifier() and param.name != "lambda"
            else f'**{{"{param.name}": value}}'
        )
        reference = (
            f"self.{attribute}"
            if attribute.isidentifier() and not keyword.iskeyword(attribute)
            else f'getattr(self, "{attribute}")'
        )
        lines += [
            "",
            *_signature(f"set{suffix}", f"self, value: {param.value_type}", cls.__name__),
            *_docstring(doc),
            f"        return self._set({assign})",
            "",
            *_signature(f"get{suffix}", "self", param.value_type),
            *_docstring(f"The ``{param.name}`` hyperparameter."),
            *_call("return self._hyperparameter", [reference, f'"set{suffix}"']),
        ]
    return lines + ["", END] if len(lines) > 1 else []


def updated_source(module: ModuleType) -> str:
    """``module``'s source with each estimator class's generated block written anew."""
    path = Path(inspect.getsourcefile(module) or "")
    lines = path.read_text().split("\n")
    classes = [
        node
        for node in ast.parse("\n".join(lines)).body
        if isinstance(node, ast.ClassDef) and isinstance(getattr(module, node.name, None), type)
    ]
    for node in sorted(classes, key=lambda n: n.lineno, reverse=True):
        block = hyperparameter_accessors(getattr(module, node.name))
        start, end = node.lineno - 1, node.end_lineno or node.lineno
        if BEGIN in lines[start:end]:
            first = start + lines[start:end].index(BEGIN)
            last = lines.index(END, first)  # a comment: after the class's last statement
            lines[first : last + 1] = block
        elif block:
            lines[end:end] = ["", *block]
    return "\n".join(lines)


def _write_in_place(module_names: list[str]) -> None:
    for name in module_names:
        module = importlib.import_module(name)
        path = Path(inspect.getsourcefile(module) or "")
        path.write_text(updated_source(module))
        print(f"wrote {path}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--in-place"]:
        _write_in_place(argv[1:])
        return 0
    if argv:
        output, sources = Path(argv[0]), tuple(Path(a) for a in argv[1:])
    else:
        output, sources = CORE_OUTPUT, CORE_SOURCES
    output.write_text(generate(sources))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
