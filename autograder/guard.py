"""Refuse graded answers that could change how the tests run, before any student code runs.

Tests run in the student's kernel, so an answer that replaces ``np.allclose``, the checks helpers,
builtins or IPython's machinery could make a failing test look like a pass. Such code has no place
in an exercise answer, so answers are read (not run) and an answer that does any of the following is
graded as unanswered, with the reason reported to the instructor:

- assigns to or deletes an attribute of a module (``np.allclose = ...``, ``checks.check_close = ...``),
  also through an alias (``m = np``) or an expression that cannot be traced (``[np][0].allclose = ...``);
- names ``setattr``, ``delattr``, ``exec``, ``eval``, ``compile``, ``__import__``, ``globals``, ``vars``,
  ``locals``, ``get_ipython`` or ``breakpoint``;
- imports ``builtins``, ``ctypes``, ``gc``, ``inspect``, ``importlib``, ``IPython``, ``ipykernel``,
  ``traceback`` or ``signal``, or uses ``sys.modules`` and the other interpreter hooks of ``sys``;
- touches an object's internals (``__dict__``, ``__code__``, ``__globals__``, ``__builtins__`` …), also
  through ``getattr`` with a dunder or a computed name;
- imports ``threading``, ``multiprocessing`` … (code in another thread escapes ``checks.numpy_only``);
- rebinds a name that the notebook's own set-up or helper cells bind (``checks = ...``, ``np = ...``,
  ``def finite_difference(...)``): tests rely on those names.

This is the second line of defence: the checks in ``course_helpers/checks.py`` accept only plain
values and refuse changes to NumPy and to themselves at run time.
"""

import ast

FORBIDDEN_CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars", "locals",
                   "get_ipython", "breakpoint"}
FORBIDDEN_MODULES = {"builtins", "__builtin__", "ctypes", "gc", "inspect", "importlib", "IPython", "ipykernel",
                     "traceback", "signal", "threading", "_thread", "multiprocessing", "concurrent", "subprocess",
                     "os"}
FORBIDDEN_SYS = {"modules", "settrace", "setprofile", "excepthook", "displayhook", "meta_path", "path_hooks",
                 "_getframe", "addaudithook", "breakpointhook"}
FORBIDDEN_DUNDERS = {"__dict__", "__code__", "__globals__", "__builtins__", "__class__", "__subclasses__",
                     "__defaults__", "__kwdefaults__", "__closure__", "__mro__", "__bases__", "__setattr__",
                     "__getattribute__", "__delattr__", "__import__", "__loader__", "__spec__"}
# Names the notebooks bind to modules in their own cells.
KNOWN_MODULES = {"np", "numpy", "keras", "tf", "tensorflow", "plt", "matplotlib", "checks", "plotting", "runtime",
                 "training", "widgets", "course_helpers", "sklearn", "os", "sys", "math", "random", "warnings",
                 "nbformat", "scipy"}


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def bound_names(tree: ast.Module) -> set[str]:
    """Names that code binds at its top level (imports excepted: they bind modules) or declares global."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif not isinstance(statement, (ast.Import, ast.ImportFrom)):
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                    names.add(node.id)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    break
    return names | {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}


def protected_names(sources: list[str]) -> set[str]:
    """What tests rely on in the notebook's own (neither answer nor test) code cells: the names they
    import, the functions and classes they define, and their UPPER_CASE constants."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
        names |= {name for name in bound_names(tree) if name.isupper()}
    return names


def problems(source: str, module_names: set[str] = frozenset(), protected: set[str] = frozenset()) -> list[str]:
    """Why this answer may not be graded (empty when it may). Code that does not parse is left to run.

    ``protected``: names that the notebook's set-up and helper cells bind, which an answer may not rebind."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    modules = set(KNOWN_MODULES) | set(module_names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules |= {alias.asname or alias.name for alias in node.names}
    aliases_found = True
    while aliases_found:  # `m = np` or `t = np.testing` makes m and t module names too
        aliases_found = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Attribute)) \
                    and root_name(node.value) in modules:
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id not in modules:
                        modules.add(target.id)
                        aliases_found = True
    found = [f"rebinds {name}, which the notebook's own cells define"
             for name in sorted(bound_names(tree) & set(protected))]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"imports {name}")
                if isinstance(node, ast.ImportFrom) and name == "sys" and any(
                        a.name in FORBIDDEN_SYS for a in node.names):
                    found.append("imports an interpreter hook from sys")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                "getattr", "hasattr") and len(node.args) >= 2 and not (
                isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                and not node.args[1].value.startswith("__")):
            found.append(f"calls {node.func.id}() with a computed or special attribute name")
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_CALLS:
            found.append(f"calls {node.id}()")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_DUNDERS | {"__builtins__"}:
            found.append(f"uses {node.id}")
        elif isinstance(node, ast.Attribute):
            if node.attr in FORBIDDEN_DUNDERS:
                found.append(f"uses .{node.attr}")
            if isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr in FORBIDDEN_SYS:
                found.append(f"uses sys.{node.attr}")
            if isinstance(node.ctx, (ast.Store, ast.Del)) and (root_name(node) in modules or root_name(node) is None):
                action = "assigns to" if isinstance(node.ctx, ast.Store) else "deletes"
                found.append(f"{action} {ast.unparse(node)}, which belongs to a module or cannot be traced")
    return sorted(set(found))
