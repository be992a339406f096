"""Symbolic truth: the model and everything SymPy derives from it."""

from analysis.derivation import Derivation as Derivation
from analysis.derivation import Result as Result
from analysis.derive import clear_caches as clear_caches
from analysis.derive import derive as derive
from analysis.model import Euler as Euler
from analysis.model import Exact as Exact
from analysis.model import Model as Model
from analysis.model import Normal as Normal
from analysis.model import TwoPoint as TwoPoint
from analysis.model import Uniform as Uniform
from analysis.symbols import SYMBOLS as SYMBOLS

__all__ = [
    "Derivation",
    "Result",
    "clear_caches",
    "derive",
    "Euler",
    "Exact",
    "Model",
    "Normal",
    "TwoPoint",
    "Uniform",
    "SYMBOLS",
]
