"""Where the project's files are, for a checkout and for an installed copy alike.

The user's folders ``model/``, ``service/`` and ``training/`` are installed as the packages
``framing.model``, ``framing.service`` and ``framing.training``, and ``labels/sides`` as
``framing.sides`` (package data). In a checkout (an editable install) those packages are the
checkout's folders, so the paths below are the checkout's; installed from a wheel they are
the copies inside the package. Only the labels folder and the shared data sets live
outside the package: a checkout uses its own, an installed copy ``./labels`` and
``$FRAMING_REAL_NEWS`` / ``$FRAMING_EXTERNAL_DIR``.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path


def _package_dir(name: str) -> Path:
    """The folder a package is loaded from, found without importing it."""
    return Path(next(iter(find_spec(name).submodule_search_locations))).resolve()


PACKAGE_DIR = Path(__file__).resolve().parent
MODEL_DIR = _package_dir("framing.model")
SERVICE_DIR = _package_dir("framing.service")
TRAINING_DIR = _package_dir("framing.training")
STATIC_DIR = SERVICE_DIR / "static"
TEMPLATES_DIR = SERVICE_DIR / "templates"
DEFAULT_STORE = MODEL_DIR / "store"

# The checkout holding pyproject.toml, or None for an installed copy.
CHECKOUT: Path | None = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else None
# A data-only package: a wheel holds it as framing/sides; a checkout reads labels/sides itself.
SIDES_DIR = CHECKOUT / "labels" / "sides" if CHECKOUT else PACKAGE_DIR / "sides"
PROJECT_ROOT = CHECKOUT or Path.cwd()
DEFAULT_LABELS = PROJECT_ROOT / "labels"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
