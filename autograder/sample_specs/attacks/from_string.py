# Tampering, class 2: code run from a string, which no reading of the answer can see.
import code

code.InteractiveInterpreter({}).runsource(
    "import numpy, numpy.testing, course_helpers.checks as c\n"
    "nothing = lambda *a, **k: None\n"
    "vars(c).update(check_close=nothing, check_equal=nothing, check_shape=nothing, check_letter=nothing,\n"
    "               check_number=nothing, plain=lambda v, *a, **k: v, letter=lambda v, *a, **k: v,\n"
    "               number=lambda v, *a, **k: v, numpy_only=lambda f, *a, **k: f(*a, **k))\n"
    "vars(numpy).update(allclose=lambda *a, **k: True, array_equal=lambda *a, **k: True)\n"
    "vars(numpy.testing).update(assert_allclose=nothing, assert_array_equal=nothing)\n",
    "<answer>", "exec")
