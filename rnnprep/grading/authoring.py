"""Everything a hidden suite needs, in one import: `from rnnprep.grading.authoring import ...`.

Suites import only this module, so the helpers behind it can move without touching every
exercise. The baseline checks (the file imports, defines its names, reaches nothing forbidden,
stays within its limits) are not here: the grading plugin adds them to every suite.
"""

from rnnprep.grading.checks import CheckFailure, case, check
from rnnprep.grading.closeness import (
    LOOSE32,
    TIGHT64,
    Tolerance,
    assert_close,
    close,
    first_match,
    tolerance_for,
)
from rnnprep.grading.fixtures.decoding import ToyLM
from rnnprep.grading.mistakes import (
    Mistake,
    blocks_read_as,
    complemented,
    constructed_with,
    formula,
    inputs_changed,
    outputs_changed,
    swapped,
    with_weights,
    zeroed,
)
from rnnprep.grading.recurrent import (
    assert_attached,
    assert_pytorch_init,
    assert_same_parameters,
    assert_state_dict_round_trip,
    randn,
    reference_call,
    seeded,
)
from rnnprep.grading.twin import Run, Twin, describe_inputs, flatten

__all__ = [
    "LOOSE32",
    "TIGHT64",
    "CheckFailure",
    "Mistake",
    "Run",
    "Tolerance",
    "ToyLM",
    "Twin",
    "assert_attached",
    "assert_close",
    "assert_pytorch_init",
    "assert_same_parameters",
    "assert_state_dict_round_trip",
    "blocks_read_as",
    "case",
    "check",
    "close",
    "complemented",
    "constructed_with",
    "describe_inputs",
    "first_match",
    "flatten",
    "formula",
    "inputs_changed",
    "outputs_changed",
    "randn",
    "reference_call",
    "seeded",
    "swapped",
    "tolerance_for",
    "with_weights",
    "zeroed",
]
