"""Dependencies run one way: sfiec <- partners <- standards <- donations <- compliance <- shipments.

Every module of every app is parsed (not imported) and each import it makes, at module level
or inside a function, is checked against the layers: an app may import its own layer and the
ones below, never one above. ``import x``, ``from x import y``, ``importlib.import_module("x")``,
``__import__("x")``, ``import_string("x.y")`` and model references by string
(``ForeignKey("app.Model")``, ``apps.get_model("app", ...)``) all count. A lower app that must
tell a higher one something sends a signal of its own (see ``donations.signals``).

Exempt: tests, migrations (they name the models of every app by design), the project's own
wiring in ``sfiec`` (settings, Celery, WSGI/ASGI), and the demo loader app ``demo`` (it may load
every app). The root URLconf is checked like any sfiec module: it mounts each app's own URL
module with ``include("app.urls")``, a string Django resolves, so it imports no app's views.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "sfiec": 0,
    "partners": 1,
    "standards": 1.5,
    "donations": 2,
    "compliance": 3,
    "shipments": 4,
    "dashboard": 5,  # the staff dashboard reads every app; nothing imports it
}
# The project's wiring lives in the sfiec package but sits above every app.
PROJECT_WIRING = {
    "sfiec/settings.py",
    "sfiec/celery.py",
    "sfiec/wsgi.py",
    "sfiec/asgi.py",
    # Moving to the demo loader app (issue 7 point 6, another change); exempt until it goes.
    "sfiec/management/commands/seed_demo.py",
}
EXEMPT_APPS = {"demo"}
IMPORT_CALLS = {"import_module", "__import__", "import_string", "send_task"}
MODEL_REFERENCE_CALLS = {"ForeignKey", "OneToOneField", "ManyToManyField", "get_model"}


def _name(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def imported_apps(source: str, *, module: str) -> list[tuple[int, str]]:
    """(line, top-level package) of every import ``source`` makes, wherever it is made."""
    found = []
    package_parts = module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, node.module or ""]).strip(".")
            else:
                target = node.module or ""
            found.append((node.lineno, target.split(".")[0]))
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            strings = [a for a in args if isinstance(a, str)]
            if not strings:
                continue
            if called in IMPORT_CALLS:
                found.append((node.lineno, strings[0].split(".")[0]))
            elif called in MODEL_REFERENCE_CALLS and ("." in strings[0] or called == "get_model"):
                found.append((node.lineno, strings[0].split(".")[0]))
    return found


def _app_modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in PROJECT_WIRING:
                continue
            yield app, relative


def upward_imports(app: str, relative: str, source: str) -> list[str]:
    module = relative.removesuffix(".py").replace("/", ".")
    return [
        f"{relative}:{line} imports {target} (layer {LAYERS[target]} > {app}'s {LAYERS[app]})"
        for line, target in imported_apps(source, module=module)
        if target in LAYERS and LAYERS[target] > LAYERS[app]
    ]


def test_no_app_imports_an_app_above_it():
    problems = []
    checked = 0
    for app, relative in _app_modules():
        problems += upward_imports(app, relative, (ROOT / relative).read_text())
        checked += 1
    assert checked > 50  # the walk found the apps' modules
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        "from compliance import services\n",
        "import shipments.models\n",
        "def f():\n    from compliance.services import lot_checks_enqueue\n",
        "import importlib\nimportlib.import_module('compliance.tasks')\n",
        "__import__('shipments')\n",
        "from django.db import models\nx = models.ForeignKey('compliance.RuleSet', on_delete=1)\n",
        "from django.apps import apps\napps.get_model('shipments', 'Shipment')\n",
    ],
)
def test_the_walk_sees_every_kind_of_upward_import(source):
    assert upward_imports("donations", "donations/example.py", source)


@pytest.mark.parametrize(
    "source",
    [
        "from partners.models import SisterCity\n",
        "from .models import MaterialLot\n",
        "from standards.models import Standard\n",
        "from django.db import models\nx = models.ForeignKey('partners.Contact', on_delete=1)\n",
    ],
)
def test_imports_of_the_same_or_a_lower_layer_pass(source):
    assert not upward_imports("donations", "donations/example.py", source)


def test_the_layers_cover_every_installed_app_of_the_project():
    from django.conf import settings

    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    assert ours - EXEMPT_APPS <= set(LAYERS), ours - set(LAYERS)
