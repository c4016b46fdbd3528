"""Real third-party Alembic histories: our static graph and lint against Alembic itself.

The fixtures in ``tests/real_histories/`` are bundles (``=== relative/path.py`` then the file)
of trimmed copies of public revision files: exact file names and folders, the module
docstring and the revision identifiers as written, ``upgrade``/``downgrade`` reduced to
``pass``. ``lint_full_fidelity.txt`` holds a few files copied whole. Sources and licences
are in ``tests/real_histories/README.md``. Bundles rather than ``.py`` files keep them out of
ruff, mypy and pytest collection, and let each test lay them out as it needs.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from migration_guard.graph.load import graph_from_sources
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.revision_file import RevisionFile, read_revision_source
from migration_guard.graph.scan import scan_work_tree
from tests.projects import ENV_PY, run_cli

FIXTURES = Path(__file__).parent / "real_histories"


def load_bundle(name: str) -> dict[str, str]:
    """``{relative path: file text}`` from one bundle, in file order."""
    files: dict[str, str] = {}
    for chunk in (FIXTURES / name).read_text(encoding="utf-8").split("=== ")[1:]:
        path, text = chunk.split("\n", 1)
        files[path] = text
    return files


def write_files(files: dict[str, str], folder: Path) -> None:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class View:
    """What a tool says about a history: heads, bases, how many revisions, what went wrong."""

    heads: frozenset[str]
    bases: frozenset[str]
    count: int
    problems: tuple[str, ...] = ()


def alembic_view(
    scripts: Path, locations: list[Path], *, recursive: bool = False, walk: bool = True
) -> View:
    """Alembic's own reading of the same folders (it imports every file); ``count`` is -1
    when ``walk`` is False (Alembic cannot walk a history with a duplicated id)."""
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    config.set_main_option("recursive_version_locations", "true" if recursive else "false")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        directory = ScriptDirectory.from_config(config)
        heads = frozenset(directory.get_heads())
        bases = frozenset(directory.get_bases())
        count = sum(1 for _ in directory.walk_revisions()) if walk else -1
    return View(heads, bases, count, tuple(str(w.message) for w in caught))


def static_view(root: Path, locations: list[Path], *, recursive: bool = False) -> View:
    graph: RevisionGraph = graph_from_sources(scan_work_tree(tuple(locations), recursive, root))
    return View(
        frozenset(graph.heads),
        frozenset(graph.bases),
        len(graph.revisions),
        tuple(f"{p.code}: {p.message}" for p in graph.problems),
    )


@dataclass(frozen=True)
class History:
    bundle: str
    locations: tuple[str, ...]
    revisions: int
    heads: int
    bases: int


HISTORIES = {
    # Flask-Migrate, three generations (1.x, a 2.0 draft, 2.x+) kept side by side: 3 bases
    "ctfd": History("ctfd.txt", (".",), revisions=61, heads=15, bases=3),
    # date-prefixed file names (2021-07-23_e0d568f345c9.py), a two-parent merge
    "dispatch_core": History("dispatch_core.txt", (".",), revisions=24, heads=9, bases=2),
    # NNNN_X_Y_Z_slug names, one ending "..py", extra module-level version assignments
    "airflow_fab": History("airflow_fab.txt", (".",), revisions=5, heads=4, bases=1),
    # two version locations, branch labels (u'default', ), depends_on across them,
    # branch_labels = (), depends_on = "", a numeric id, a computed depends_on
    "invenio": History(
        "invenio.txt",
        ("invenio_db/alembic", "invenio_accounts/alembic"),
        revisions=15,
        heads=3,
        bases=2,
    ),
}


# airflow_fab's heads
HISTORY_FAB_HEADS = frozenset({"02ca36b0235b", "044f740568ec", "4e0e54749301", "63677212e6b2"})


def lay_out(tmp_path: Path, history: History) -> tuple[Path, list[Path]]:
    versions = tmp_path / "versions"
    write_files(load_bundle(history.bundle), versions)
    (tmp_path / "scripts").mkdir()
    return tmp_path / "scripts", [versions / location for location in history.locations]


@pytest.mark.parametrize(
    "name",
    [
        "ctfd",
        "dispatch_core",
        "airflow_fab",
        pytest.param("invenio"),
    ],
)
def test_static_graph_agrees_with_alembic(tmp_path: Path, name: str) -> None:
    history = HISTORIES[name]
    scripts, locations = lay_out(tmp_path, history)
    theirs = alembic_view(scripts, locations)
    assert (theirs.count, len(theirs.heads), len(theirs.bases)) == (
        history.revisions,
        history.heads,
        history.bases,
    ), "the fixture itself changed"
    ours = static_view(tmp_path, locations)
    assert ours.problems == ()
    assert ours == View(theirs.heads, theirs.bases, theirs.count)


def cli_project(root: Path, ini_lines: str, pyproject: str = "") -> Path:
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "alembic.ini").write_text(
        f"[alembic]\nscript_location = %(here)s/migrations\n{ini_lines}"
    )
    (root / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "alembic.ini"\n' + pyproject
    )
    return root


def heads_json(root: Path) -> tuple[int, dict[str, Any]]:
    result = run_cli(root, "--format", "json", "heads")
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def test_heads_command_on_real_history_with_default_max_heads(tmp_path: Path) -> None:
    """CTFd as a user would run it: 15 heads, so exit 1 with one multiple-heads problem that
    names exactly Alembic's heads, and nothing else."""
    root = cli_project(tmp_path, "")
    write_files(load_bundle("ctfd.txt"), root / "migrations" / "versions")
    theirs = alembic_view(root / "migrations", [root / "migrations" / "versions"])
    code, report = heads_json(root)
    assert code == 1
    assert frozenset(report["heads"]) == theirs.heads
    assert [p["code"] for p in report["problems"]] == ["multiple-heads"]
    assert set(report["problems"][0]["revisions"]) == theirs.heads


def test_heads_command_on_date_prefixed_history(tmp_path: Path) -> None:
    root = cli_project(tmp_path, "", "max_heads = 100\n")
    write_files(load_bundle("dispatch_core.txt"), root / "migrations" / "versions")
    theirs = alembic_view(root / "migrations", [root / "migrations" / "versions"])
    code, report = heads_json(root)
    assert (code, frozenset(report["heads"]), report["problems"]) == (0, theirs.heads, [])


def test_heads_command_on_two_version_locations(tmp_path: Path) -> None:
    """invenio: ``version_locations`` with two package folders, space-separated."""
    root = cli_project(
        tmp_path,
        "version_locations = %(here)s/invenio_db/alembic %(here)s/invenio_accounts/alembic\n"
        "path_separator = space\n",
        "max_heads = 100\n",
    )
    write_files(load_bundle("invenio.txt"), root)
    theirs = alembic_view(
        root / "migrations", [root / "invenio_db/alembic", root / "invenio_accounts/alembic"]
    )
    code, report = heads_json(root)
    assert report["problems"] == []
    assert (code, frozenset(report["heads"])) == (0, theirs.heads)


def test_computed_depends_on_is_not_a_parse_error() -> None:
    """The real file: ``depends_on = resolved_depends_on``, a list filled by optional imports.
    Alembic takes whatever it is at import time; heads never depend on depends_on, so the
    static reader should keep the revision (depends_on unknown, like a non-literal label)."""
    path = "invenio_accounts/alembic/f2522cdd5fcd_change_accountsrole_primary_key_to_string.py"
    source = load_bundle("invenio.txt")[path]
    revision = read_revision_source(source, path, path.rsplit("/", 1)[1])
    assert (revision.revision, revision.down_revisions) == ("f2522cdd5fcd", ("eb9743315a9d",))


def test_other_invenio_shapes_read_as_alembic_reads_them() -> None:
    """u-prefixed label tuple with a trailing comma, ``()`` labels, ``""`` depends_on, a
    depends_on across version locations, and an all-digit revision id."""
    files = load_bundle("invenio.txt")

    def read(path: str) -> RevisionFile:
        return read_revision_source(files[path], path, path.rsplit("/", 1)[1])

    base = read("invenio_db/alembic/96e796392533_create_database_migrations.py")
    assert (base.branch_labels, base.down_revisions) == (("default",), ())
    branch = read("invenio_accounts/alembic/843bc79c426f_create_accounts_branch.py")
    assert (branch.branch_labels, branch.depends_on) == (("invenio_accounts",), ("dbdbc1b19cf2",))
    moderation = read("invenio_accounts/alembic/037afe10e9ff_add_user_moderation_fields.py")
    assert (moderation.branch_labels, moderation.depends_on) == ((), ())
    numeric = read("invenio_accounts/alembic/1748440134_add_unique_constraint_to_domain_.py")
    assert (numeric.revision, numeric.down_revisions) == ("1748440134", ("6ec5ce377ca3",))


def nest_by_year(files: dict[str, str], *, up_to_top: int = 0) -> dict[str, str]:
    """Move each file into a ``YYYY/`` folder from its docstring's Create Date (those up to
    ``up_to_top`` stay at the top), as teams with recursive_version_locations do."""
    nested = {}
    for path, text in files.items():
        match = re.search(r"Create Date: (\d{4})-", text)
        assert match is not None, path
        year = int(match.group(1))
        nested[path if year <= up_to_top else f"{year}/{path}"] = text
    return nested


def test_recursive_version_locations_on_a_real_history(tmp_path: Path) -> None:
    root = cli_project(tmp_path, "recursive_version_locations = true\n", "max_heads = 100\n")
    versions = root / "migrations" / "versions"
    write_files(nest_by_year(load_bundle("ctfd.txt")), versions)
    assert not list(versions.glob("*.py"))
    theirs = alembic_view(root / "migrations", [versions], recursive=True)
    assert theirs.count == 61
    assert static_view(root, [versions], recursive=True) == View(
        theirs.heads, theirs.bases, theirs.count
    )
    code, report = heads_json(root)
    assert (code, frozenset(report["heads"]), report["problems"]) == (0, theirs.heads, [])


def test_recursive_version_locations_is_read_as_alembic_reads_it(tmp_path: Path) -> None:
    root = cli_project(tmp_path, "recursive_version_locations = True\n", "max_heads = 100\n")
    versions = root / "migrations" / "versions"
    write_files(nest_by_year(load_bundle("ctfd.txt"), up_to_top=2018), versions)
    config = Config(str(root / "alembic.ini"))
    theirs = ScriptDirectory.from_config(config)
    assert not theirs.recursive_version_locations
    code, report = heads_json(root)
    assert (code, frozenset(report["heads"])) == (0, frozenset(theirs.get_heads()))


ANNOTATED = {
    "revision": "revision: str",
    "down_revision": "down_revision: Union[str, Sequence[str], None]",
    "branch_labels": "branch_labels: Union[str, Sequence[str], None]",
    "depends_on": "depends_on: Union[str, Sequence[str], None]",
}


def annotate(text: str) -> str:
    """Today's Alembic template: annotated ids, the typing import, a merge split over lines."""
    for name, annotated in ANNOTATED.items():
        text = re.sub(rf"^{name} = ", f"{annotated} = ", text, flags=re.MULTILINE)
    text = re.sub(
        r"= \(\"(\w+)\", \"(\w+)\"\)\n", '= (\n    "\\1",\n    "\\2",\n)\n', text, count=1
    )
    return text.replace(
        "# revision identifiers", "from typing import Sequence, Union\n\n# revision identifiers"
    )


def test_annotated_form_of_a_real_history(tmp_path: Path) -> None:
    """dispatch's history rewritten to the annotated template (derived, not a verbatim copy)."""
    files = {path: annotate(text) for path, text in load_bundle("dispatch_core.txt").items()}
    merge = files["2021-07-23_e0d568f345c9.py"]
    assert 'down_revision: Union[str, Sequence[str], None] = (\n    "c0bc938b058e",' in merge
    versions = tmp_path / "versions"
    write_files(files, versions)
    (tmp_path / "scripts").mkdir()
    theirs = alembic_view(tmp_path / "scripts", [versions])
    assert theirs.count == 24
    assert static_view(tmp_path, [versions]) == View(theirs.heads, theirs.bases, theirs.count)


def test_renamed_file_left_behind_is_a_duplicate(tmp_path: Path) -> None:
    """airflow's FAB base renamed 0001_… → 0000_… with the old name still present: Alembic
    warns, then also lists the shadowed copy of 6709f7a774b9 as a head and refuses to walk
    the history ("Requested revision 4e0e54749301 overlaps with other requested revisions
    6709f7a774b9"); we report one duplicate-revision problem and the four real heads."""
    versions = tmp_path / "versions"
    write_files(load_bundle("airflow_fab.txt"), versions)
    write_files(load_bundle("airflow_fab_renamed_base.txt"), versions)
    (tmp_path / "scripts").mkdir()
    theirs = alembic_view(tmp_path / "scripts", [versions], walk=False)
    assert any("present more than once" in message for message in theirs.problems)
    ours = static_view(tmp_path, [versions])
    assert (ours.heads | {"6709f7a774b9"}, ours.bases, ours.count) == (
        theirs.heads,
        theirs.bases,
        5,
    )
    assert ours.heads == HISTORY_FAB_HEADS
    assert [problem.split(":")[0] for problem in ours.problems] == ["duplicate-revision"]
    assert "6709f7a774b9" in ours.problems[0]


# --- lint on whole real files -------------------------------------------------------------

LINT_CASES = {
    "airflow_fab": (
        "airflow_fab.txt",
        [
            # batch_alter_table: each statement at the batch_op. call that recorded it
            ("set-not-null", "63677212e6b2", 43),
            ("set-not-null", "63677212e6b2", 44),
            ("index-not-concurrent", "63677212e6b2", 47),
            ("index-not-concurrent", "63677212e6b2", 48),
            ("constraint-without-not-valid", "63677212e6b2", 53),
            ("constraint-without-not-valid", "63677212e6b2", 60),
            ("unique-without-index", "63677212e6b2", 69),
            ("drop-index-not-concurrent", "63677212e6b2", 79),
            ("drop-index-not-concurrent", "63677212e6b2", 80),
            # raw op.execute("CREATE UNIQUE INDEX IF NOT EXISTS … (lower(username))")
            ("index-not-concurrent", "63677212e6b2", 72),
            ("index-not-concurrent", "63677212e6b2", 73),
            ("constraint-without-not-valid", "63677212e6b2", 85),
            ("constraint-without-not-valid", "63677212e6b2", 88),
        ],
    ),
    "dispatch_core": (
        "dispatch_core.txt",
        [
            ("set-not-null", "0ab4f8f54bfa", 22),
            ("set-not-null", "0ab4f8f54bfa", 25),
            # source_schema/referent_schema: ALTER TABLE dispatch_core.dispatch_user_organization
            ("constraint-without-not-valid", "0ab4f8f54bfa", 38),
            ("constraint-without-not-valid", "0ab4f8f54bfa", 47),
            ("drop-column", "0ab4f8f54bfa", 56),
            # 903183fd9aee (CREATE TABLE dispatch_core.dispatch_user_settings) has none
        ],
    ),
    "ctfd": (
        "ctfd.txt",
        [
            # NOT NULL, no default; 4eca07c39397 (NOT NULL with server_default) has none
            ("not-null-without-default", "f69787339de7", 20),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(LINT_CASES))
def test_lint_all_on_real_migration_files(tmp_path: Path, name: str) -> None:
    bundle, expected = LINT_CASES[name]
    files = load_bundle(bundle)
    whole = {
        path.split("/", 1)[1]: text
        for path, text in load_bundle("lint_full_fidelity.txt").items()
        if path.split("/", 1)[0] == name
    }
    assert whole and set(whole) <= set(files)
    files.update(whole)
    root = cli_project(tmp_path, "", "max_heads = 100\n")
    write_files(files, root / "migrations" / "versions")

    result = run_cli(root, "--format", "json", "lint", "--all")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert len(report["revisions"]) == HISTORIES[name].revisions
    assert [f for f in report["findings"] if f["rule"] == "render-failed"] == []
    found = sorted((f["rule"], f["revision"], f["line"]) for f in report["findings"])
    assert found == sorted(expected)
    for finding in report["findings"]:
        assert finding["path"].startswith("migrations/versions/")
        assert Path(finding["path"]).name in whole
    errors = any(f["severity"] == "error" for f in report["findings"])
    assert result.returncode == (1 if errors else 0)
