"""An optimized BLAS for MLX's CPU backend on Linux (``punie-train[cpu-blas]``).

MLX's Linux CPU wheel (``mlx-cpu``) bundles the reference BLAS (netlib 3.10), whose
``cblas_sgemm`` runs at about 2.3 GFLOP/s on this project's 2-core CI machine: 25–40× slower
than an optimized BLAS on the same core, and matrix products are most of a training step. When a
library that exports the standard CBLAS symbols is loaded into the process with ``RTLD_GLOBAL``
*before* ``mlx.core`` is imported, the dynamic linker binds libmlx's ``cblas_sgemm`` to it (the
global scope is searched before a library's own dependencies), so MLX computes with it; nothing
in MLX is patched. Measured on the full phase-24 learn-check (16 examples, 150 full fine-tuning
steps on the smoke model, 2 cores, load 0.6): 152 s wall with oneMKL against 674 s with the
bundled BLAS at load 2, with the same losses (8.080 → 0.023) and the same 16/16 choices.

``import punie_train`` calls :func:`enable_fast_blas` once, so every MLX import made through
punie-train sees it. The choice: the environment variable ``PUNIE_BLAS`` — unset or ``auto``: oneMKL
from the ``mkl`` wheel (the ``cpu-blas`` extra) when installed in this environment; ``reference``:
keep MLX's bundled BLAS; a path: that shared library (it must export ``cblas_sgemm``). macOS and
MLX's GPU backends never use it (Accelerate and Metal are already fast). :func:`blas_in_use` says
what was chosen and why; training summaries and learn-check reports record it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["ENV_VAR", "BlasChoice", "blas_in_use", "enable_fast_blas"]

ENV_VAR = "PUNIE_BLAS"


@dataclass(frozen=True)
class BlasChoice:
    """Which BLAS MLX's CPU backend uses in this process, and why."""

    name: str  # "mkl", "custom", "reference" (MLX's bundled BLAS) or "platform" (not Linux)
    path: str | None
    reason: str

    def describe(self) -> str:
        """One line for reports: ``mkl 2026.2.0 (/path/libmkl_rt.so.3)`` or the reason."""
        return f"{self.name} ({self.path})" if self.path else f"{self.name}: {self.reason}"


_CHOICE: BlasChoice | None = None


def _mkl_library(prefix: Path) -> Path | None:
    """The oneMKL runtime library installed by the ``mkl`` wheel in ``prefix``, if any."""
    found = sorted((prefix / "lib").glob("libmkl_rt.so*"))
    return found[0] if found else None


def _load(path: Path) -> str | None:
    """Load ``path`` into the global symbol scope; return why it cannot serve, or None."""
    try:
        library = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        return f"could not load {path}: {exc}"
    if not hasattr(library, "cblas_sgemm"):
        return f"{path} does not export cblas_sgemm"
    return None


def enable_fast_blas() -> BlasChoice:
    """Load an optimized BLAS for MLX if this platform, the environment and ``PUNIE_BLAS`` allow.

    Idempotent; never raises. Must run before ``mlx.core`` is first imported in the process,
    otherwise MLX keeps the BLAS it was linked with and the choice says so.
    """
    global _CHOICE
    if _CHOICE is not None:
        return _CHOICE
    _CHOICE = _choose()
    return _CHOICE


def _choose() -> BlasChoice:
    wanted = os.environ.get(ENV_VAR, "auto").strip() or "auto"
    if not sys.platform.startswith("linux"):
        return BlasChoice("platform", None, f"{sys.platform}: MLX uses the platform's BLAS")
    if wanted == "reference":
        return BlasChoice("reference", None, f"{ENV_VAR}=reference")
    if "mlx.core" in sys.modules:
        return BlasChoice("reference", None, "mlx.core was imported before punie_train")
    if wanted != "auto":
        path = Path(wanted)
        why = _load(path)
        if why is not None:
            print(f"punie-train: {ENV_VAR}: {why}; MLX keeps its bundled BLAS", file=sys.stderr)
            return BlasChoice("reference", None, why)
        return BlasChoice("custom", str(path), f"{ENV_VAR}={wanted}")
    library = _mkl_library(Path(sys.prefix))
    if library is None:
        return BlasChoice(
            "reference",
            None,
            "the mkl wheel is not installed (pip install 'punie-train[cpu-blas]')",
        )
    why = _load(library)
    if why is not None:
        return BlasChoice("reference", None, why)
    try:
        version = metadata.version("mkl")
    except metadata.PackageNotFoundError:
        version = "?"
    return BlasChoice(f"mkl {version}", str(library), "the mkl wheel (punie-train[cpu-blas])")


def blas_in_use() -> BlasChoice:
    """What :func:`enable_fast_blas` chose (choosing now if it has not run)."""
    return enable_fast_blas()
