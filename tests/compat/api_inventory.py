"""What smspark-compat offers of the original's public API (tests/data/original_api.json:
every name ``sagemaker_pyspark`` 1.4.5 exports, with its constructor keywords in order and
its public methods, read from that release's source)."""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any

ORIGINAL_API = {
    module: names
    for module, names in json.loads(
        (Path(__file__).parents[1] / "data" / "original_api.json").read_text()
    ).items()
    if not module.startswith("_")
}
ORIGINAL_MODULES: dict[str, list[str]] = json.loads(
    (Path(__file__).parents[1] / "data" / "original_api.json").read_text()
)["_modules"]
# Pieces of the original's JVM bridge (sagemaker_pyspark.wrapper), which has no counterpart in
# pure Python: the names exist, and using one raises NoJvmBridgeError saying so.
JVM_ONLY = {"SageMakerJavaWrapper", "Option", "ScalaMap", "ScalaList"}
# Constructor keywords of the JVM bridge only (an existing JVM object to wrap).
JVM_KEYWORDS = {"javaObject", "java_object"}


def constructor_keywords(cls: type) -> tuple[list[str], dict[str, str]]:
    """The named constructor keywords in order, following ``**kwargs`` up the MRO (the
    algorithm estimators forward what they do not name to their base), and the aliases
    ``keyword_aliases`` adds (alias -> keyword)."""
    keywords: list[str] = []
    aliases: dict[str, str] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = list(inspect.signature(init).parameters.values())[1:]
        aliases.update(getattr(init, "keyword_aliases", {}))
        keywords += [
            p.name
            for p in parameters
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in keywords
        ]
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            break
    return keywords, aliases


def compare(module_name: str, name: str, entry: dict[str, Any]) -> list[str]:
    """What differs between the original's ``module_name.name`` and smspark-compat's."""
    module = importlib.import_module(module_name)
    try:
        ours = getattr(module, name)
    except AttributeError:
        return [f"{module_name}.{name} is missing"]
    if entry["kind"] == "function":
        return [] if callable(ours) else [f"{module_name}.{name} is not callable"]
    problems = [
        f"{name}.{method}() is missing" for method in entry["methods"] if not hasattr(ours, method)
    ]
    keywords, aliases = constructor_keywords(ours)
    wanted = [aliases.get(k, k) for k in entry["init"] or [] if k not in JVM_KEYWORDS]
    missing = [k for k in wanted if k not in keywords]
    if missing:
        problems.append(f"{name}() lacks keywords {missing}")
    elif [k for k in keywords if k in wanted] != wanted:
        problems.append(f"{name}() takes {[k for k in keywords if k in wanted]}, not {wanted}")
    return problems
