# Tampering, class 3: IPython's exception handling hooked, so that no failing test shows an error.
import code

code.InteractiveInterpreter({}).runsource(
    "import IPython\n"
    "IPython.get_ipython().set_custom_exc((BaseException,), lambda shell, kind, value, tb, tb_offset=None: None)",
    "<answer>", "exec")
