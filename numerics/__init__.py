"""Fast and high-precision evaluation, generated from the derivations."""

from numerics.compiled import BACKENDS as BACKENDS
from numerics.compiled import Compiled as Compiled
from numerics.compiled import CompiledFunction as CompiledFunction
from numerics.compiled import clear_cache as clear_cache
from numerics.compiled import compile as compile  # noqa: A004 - the issue's name
from numerics.rewrites import RULES as RULES

__all__ = ["BACKENDS", "Compiled", "CompiledFunction", "clear_cache", "compile", "RULES"]
