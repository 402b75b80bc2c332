"""The files that travel with the program: migrations, policies, statement layouts, samples.

The repository keeps them in its top-level ``migrations/``, ``templates/`` and
``sample_data/`` folders; the wheel (and an editable install) maps those folders
into the package as ``zhengkedai.migrations``, ``zhengkedai.templates`` and
``zhengkedai.sample_data``, so they are found the same way in a checkout and in
an installed copy, through :mod:`importlib.resources`.

One override, ``ZKD_RESOURCES_DIR``, names a folder laid out like the
repository's top level; each of its subfolders that exists (``migrations``,
``templates/policies``, ``templates/statements``, ``sample_data``) is used instead
of the bundled one, everywhere that kind of file is read.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

OVERRIDE_ENV = "ZKD_RESOURCES_DIR"

_PACKAGES = {
    "migrations": "zhengkedai.migrations",
    "templates": "zhengkedai.templates",
    "sample_data": "zhengkedai.sample_data",
}


def folder(*parts: str) -> Path:
    """The folder ``parts`` (e.g. ``("templates", "policies")``), overridden or bundled."""
    override = os.environ.get(OVERRIDE_ENV)
    if override:
        candidate = Path(override).joinpath(*parts)
        if candidate.is_dir():
            return candidate
    top, *rest = parts
    root = Path(str(importlib.resources.files(_PACKAGES[top])))
    return root.joinpath(*rest)


def migrations() -> Path:
    return folder("migrations")


def policies() -> Path:
    return folder("templates", "policies")


def statement_layouts() -> Path:
    return folder("templates", "statements")


def sample_data() -> Path:
    return folder("sample_data")
