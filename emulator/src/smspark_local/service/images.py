"""Resolving a container image URI to a local image: the code that stands in for it.

``123456789012.dkr.ecr.us-east-1.amazonaws.com/kmeans:1`` is matched by the local image named
``kmeans`` (its repository name). Local images come from plugins (the
``register_local_images`` hook) or are registered on a backend for a full URI or a
repository name: a ``LocalImageSpec`` whose ``train``/``serve`` are ``"module:function"``
targets or command lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from smspark_core.plugins import get_plugin_host
from smspark_core.plugins.specs import LocalImageSpec
from smspark_local.toolkit.container import OPT_ML_ENV


def repository_of(image_uri: str) -> str:
    """The repository name of an image URI (``…/sagemaker-xgboost:1.7-1`` gives
    ``sagemaker-xgboost``)."""
    path = image_uri.split("/", 1)[1] if "/" in image_uri else image_uri
    path = path.split("@", 1)[0]
    name = path.rsplit(":", 1)[0] if ":" in path.rsplit("/", 1)[-1] else path
    return name.rsplit("/", 1)[-1]


class ImageResolver:
    """Finds the local image for a URI: user registrations first, then plugins."""

    def __init__(self, registered: Mapping[str, LocalImageSpec] | None = None) -> None:
        self._registered: dict[str, LocalImageSpec] = dict(registered or {})

    def register(self, uri_or_repository: str, spec: LocalImageSpec) -> None:
        self._registered[uri_or_repository] = spec

    def resolve(self, image_uri: str) -> LocalImageSpec:
        repository = repository_of(image_uri)
        for key in (image_uri, repository):
            if key in self._registered:
                return self._registered[key]
        images = get_plugin_host().local_images
        if repository in images:
            return images.get(repository)
        known = sorted({*self._registered, *images.names()}) or ["none"]
        raise LookupError(
            f"no local image for {image_uri!r} (repository {repository!r}); local images: "
            f"{', '.join(known)}. Install the algorithm's plugin or register one with "
            "LocalSageMaker.register_image()"
        )


def command(spec: LocalImageSpec, mode: str) -> list[str]:
    """The runner command line for an image's ``train`` or ``serve`` step."""
    target = spec.train if mode == "train" else spec.serve
    if target is None:
        raise LookupError(f"local image {spec.name!r} has no {mode} step")
    runner = [sys.executable, "-m", "smspark_local.toolkit.run_container", mode]
    if isinstance(target, str):
        return [*runner, target]
    return [*runner, "--", *target]


# What a container needs from the host to run Python and find the local images' code (a
# real container has its own PATH, locale and libraries). Nothing else of the backend's
# environment passes: not the user's shell, not the backend's credentials or endpoints.
RUNTIME_VARIABLES = (
    "PATH",
    "PYTHONPATH",
    "LD_LIBRARY_PATH",
    "DYLD_LIBRARY_PATH",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "SYSTEMROOT",
)


def container_environment(contract: Mapping[str, str] | None, root: Path) -> dict[str, str]:
    """The environment of a container process: ``contract`` (the model's or job's
    Environment plus the platform's ``SAGEMAKER_*`` / ``TRAINING_JOB_*`` variables), the
    runtime variables above, ``HOME`` inside the container's own directory, and the
    runner's ``SMSPARK_OPT_ML`` and ``SMSPARK_PARENT_PID``."""
    env = {name: os.environ[name] for name in RUNTIME_VARIABLES if name in os.environ}
    env["HOME"] = str(root)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(contract or {})
    env[OPT_ML_ENV] = str(root)
    env["SMSPARK_PARENT_PID"] = str(os.getpid())
    return env


def spawn(
    spec: LocalImageSpec, mode: str, root: Path, contract_env: Mapping[str, str] | None = None
) -> subprocess.Popen:
    """Starts an image's ``train`` or ``serve`` step as a child process rooted at ``root``
    (``SMSPARK_OPT_ML``) with only the container contract's environment (see
    ``container_environment``), its output lines readable from ``stdout``."""
    env = container_environment(contract_env, root)
    return subprocess.Popen(
        command(spec, mode),
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
