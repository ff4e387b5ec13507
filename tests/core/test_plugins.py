"""The plugin host: real entry points (the installed test plugin, and throwaway
distributions made on sys.path), failures reported by name, duplicates refused."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest
from pyspark.ml.linalg import Vectors

from smspark_core.plugins import (
    DuplicateRegistrationError,
    PluginHost,
    UnknownNameError,
    get_plugin_host,
)
from smspark_core.transformation import arrow_vectors as av
from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

CORE_SERIALIZERS = ["libsvm", "protobuf", "unlabeled-csv", "unlabeled-libsvm"]
CORE_DESERIALIZERS = ["libsvm", "protobuf", "xgboost-csv"]


def make_distribution(root: Path, name: str, module: str, source: str) -> None:
    """A minimal installed distribution on ``root`` with an ``smspark`` entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{name.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[smspark]\n{module} = {module}\n")


def test_core_tests_see_only_core_registrations():
    """The suite runs with autoload disabled, so installed plugins cannot change it."""
    installed = [ep.name for ep in importlib.metadata.entry_points(group="smspark")]
    assert "testplugin" in installed  # it is installed...
    host = get_plugin_host()
    assert list(host.plugins) == ["smspark-core"]  # ...and not loaded
    assert host.serializers.names() == CORE_SERIALIZERS
    assert host.deserializers.names() == CORE_DESERIALIZERS


def test_installed_plugin_registers_through_its_entry_point():
    host = PluginHost(autoload=True)
    info = host.plugins["testplugin"]
    assert (info.package, info.version) == ("smspark-testplugin", "0.0.1")
    assert host.algorithms.get("test-sum").description == "the sum of the features"
    assert host.serializers.owner("test-jsonlines") == "testplugin"
    assert host.deserializers.get("test-jsonlines").accepts == "application/jsonlines"
    assert "test-sum" in host.local_images
    assert host.serializers.owner("protobuf") == "smspark-core"


def test_third_party_serializer_gets_a_batch_path_from_serialize_row():
    serializer = PluginHost(autoload=True).serializer("test-jsonlines")
    column = pa.array(
        [
            av.vector_to_arrow_value(Vectors.dense([1.0, 2.0])),
            av.vector_to_arrow_value(Vectors.sparse(2, [1], [5.0])),
        ],
        av.VECTOR_ARROW_TYPE,
    )
    batch = pa.RecordBatch.from_arrays([column], names=["features"])
    serialized = serializer.serialize_batch(batch)
    assert serialized.body(0, 2) == b'{"features": [1.0, 2.0]}\n{"features": [0.0, 5.0]}\n'


def test_broken_plugin_is_reported_and_others_load(tmp_path, monkeypatch):
    make_distribution(tmp_path, "smspark-broken", "smspark_broken", "import no_such_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(
        UserWarning, match="'smspark_broken' \\(package 'smspark-broken'\\) failed to import"
    ):
        host = PluginHost(autoload=True)
    [failure] = host.failures
    assert (failure.name, failure.package) == ("smspark_broken", "smspark-broken")
    assert "no_such_module" in failure.error
    assert "testplugin" in host.plugins and "test-jsonlines" in host.serializers


def test_plugin_whose_hook_raises_is_reported(tmp_path, monkeypatch):
    make_distribution(
        tmp_path,
        "smspark-raises",
        "smspark_raises",
        """
        from smspark_core import hookimpl

        @hookimpl
        def register_serializers(register):
            raise RuntimeError("boom")
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(
        UserWarning, match="raised in register_serializers: RuntimeError\\('boom'\\)"
    ):
        host = PluginHost(autoload=True)
    assert host.serializers.names() == sorted(CORE_SERIALIZERS + ["test-jsonlines"])


def test_duplicate_name_names_both_plugins(tmp_path, monkeypatch):
    make_distribution(
        tmp_path,
        "smspark-dupe",
        "smspark_dupe",
        """
        from smspark_core import hookimpl
        from smspark_core.plugins.specs import SerializerSpec
        from smspark_core.transformation.serializers import ProtobufRequestRowSerializer

        @hookimpl
        def register_serializers(register):
            register(SerializerSpec("protobuf", ProtobufRequestRowSerializer, "x/y"))
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        DuplicateRegistrationError,
        match="serializer 'protobuf' is registered by both plugin 'smspark-core' "
        "and plugin 'smspark_dupe'",
    ):
        PluginHost(autoload=True)


def test_lookups_by_name_and_codec_persistence_config():
    host = get_plugin_host()
    serializer = ProtobufRequestRowSerializer(featuresColumnName="f")
    name = host.name_of(serializer)
    rebuilt = host.serializer(name, serializer.config())
    assert type(rebuilt) is ProtobufRequestRowSerializer and rebuilt.featuresColumnName == "f"
    deserializer = host.deserializer("libsvm", {"dim": 3, "labelColumnName": "y"})
    assert host.deserializer("libsvm", deserializer.config()).config() == deserializer.config()
    with pytest.raises(UnknownNameError, match="no algorithm named 'kmeans' is registered"):
        host.algorithms.get("kmeans")


def test_smspark_plugins_command_lists_packages_and_versions():
    env = {k: v for k, v in os.environ.items() if k != "SMSPARK_DISABLE_PLUGIN_AUTOLOAD"}
    result = subprocess.run(
        [sys.executable, "-m", "smspark_core.cli", "plugins"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "smspark-core  (smspark-core " in result.stdout
    assert "testplugin  (smspark-testplugin 0.0.1)" in result.stdout
    assert "    serializers: test-jsonlines" in result.stdout


def test_a_misspelled_hook_is_an_error_naming_the_plugin_and_the_hook(tmp_path, monkeypatch):
    """pluggy would register it silently and never call it: the plugin would register
    nothing and nobody would know why."""
    make_distribution(
        tmp_path,
        "smspark-typo",
        "smspark_typo",
        """
        from smspark_core import hookimpl

        @hookimpl
        def register_serializer(register):
            raise AssertionError("never called")
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(UserWarning, match="'smspark_typo'.*unknown hook\\(s\\) register_serializer"):
        host = PluginHost(autoload=True)
    [failure] = host.failures
    assert failure.name == "smspark_typo"
    assert "the hooks are register_algorithms, register_deserializers" in failure.error
    assert "smspark_typo" not in host.plugins and "testplugin" in host.plugins


def test_plugins_can_be_disabled_by_name(monkeypatch):
    assert "testplugin" not in PluginHost(autoload=True, disable=["testplugin"]).plugins
    monkeypatch.setenv("SMSPARK_DISABLE_PLUGINS", "other, testplugin")
    host = PluginHost(autoload=True)
    assert "testplugin" not in host.plugins and host.disabled == {"other", "testplugin"}
    assert "test-jsonlines" not in host.serializers


def test_codecs_are_found_by_content_type():
    host = PluginHost(autoload=True)
    assert [s.name for s in host.serializers_for("text/csv; charset=utf-8")] == ["unlabeled-csv"]
    assert [s.name for s in host.serializers_for("application/x-recordio-protobuf")] == ["protobuf"]
    assert [d.name for d in host.deserializers_for("Application/JSONLines")] == ["test-jsonlines"]
    assert host.deserializers_for("image/png") == []


def test_the_sdk_module_offers_what_plugin_authors_need():
    """One import for hooks, specs, codec bases, media types and the container toolkit."""
    from smspark_local.toolkit.container import TrainingEnvironment

    from smspark_core import sdk
    from smspark_core.plugins.hookspecs import hookimpl

    assert sdk.hookimpl is hookimpl and sdk.TrainingEnvironment is TrainingEnvironment
    assert sdk.PROTOBUF == "application/x-recordio-protobuf"
    assert all(getattr(sdk, name) is not None for name in sdk.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        sdk.nothing  # noqa: B018
