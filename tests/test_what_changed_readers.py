"""'What changed' (step 1 of ``new`` and the hook) reads every common way to declare a table:
SQLModel (``table=True``, ``Field``, ``Relationship``, fields inherited from a base class),
SQLAlchemy 2 ``Mapped``/``mapped_column``, classic ``Column`` and ``Table(...)``."""

from __future__ import annotations

from pathlib import Path

from migration_guard.project.models_diff import ModelFileChange, derived_message, describe_change
from tests.projects import init_repo

SQLMODEL = """
import uuid
from sqlmodel import Field, Relationship, SQLModel


class ItemBase(SQLModel):
    title: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=255)


class ItemCreate(ItemBase):
    pass


class Item(ItemBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="user.id", nullable=False)
    owner: "User | None" = Relationship(back_populates="items")


class Tag(SQLModel, table=True):
    __tablename__ = "tags"
    id: int | None = Field(default=None, primary_key=True)
"""


def test_sqlmodel_added_field_is_named_with_its_table() -> None:
    new = SQLMODEL.replace(
        '    owner: "User | None"', '    priority: int | None = None\n    owner: "User | None"'
    )
    details, tables = describe_change("app/models.py", SQLMODEL, new)
    assert details == ("`item`: new column `priority`: int | None = None",)
    assert tables == ("item",)


def test_sqlmodel_field_inherited_from_a_base_class_counts_for_the_table() -> None:
    new = SQLMODEL.replace("max_length=255)\n    description", "max_length=300)\n    description")
    details, tables = describe_change("app/models.py", SQLMODEL, new)
    assert details == ("`item`: `title` changed to str = Field(min_length=1, max_length=300)",)
    assert tables == ("item",)


def test_sqlmodel_relationship_and_non_table_classes_are_not_columns() -> None:
    new = SQLMODEL.replace(
        'Relationship(back_populates="items")', 'Relationship(back_populates="things")'
    ).replace("class ItemCreate(ItemBase):\n    pass", "class ItemCreate(ItemBase):\n    x: int")
    details, tables = describe_change("app/models.py", SQLMODEL, new)
    assert details == (
        "no table or column definition changed (only other code, comments or docstrings)",
    )
    assert tables == ()


def test_sqlmodel_new_table_and_explicit_tablename() -> None:
    new = (
        SQLMODEL
        + "\n\nclass Note(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n    body: str\n"
    )
    new = new.replace(
        '    __tablename__ = "tags"\n    id: int | None',
        '    __tablename__ = "tags"\n    name: str\n    id: int | None',
    )
    details, tables = describe_change("app/models.py", SQLMODEL, new)
    assert details == ("new table `note` (`id`, `body`)", "`tags`: new column `name`: str")
    assert tables == ("note", "tags")


MAPPED = """
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Stamped:
    created: Mapped[str] = mapped_column(String(20))


class Document(Stamped, Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    owner = relationship("User")
"""


def test_mapped_column_and_bare_mapped_annotations() -> None:
    new = MAPPED.replace(
        "    title: Mapped[str]\n", "    title: Mapped[str]\n    language: Mapped[str | None]\n"
    ).replace("String(20)", "String(40)")
    details, tables = describe_change("app/models.py", MAPPED, new)
    # the mixin's columns come first, as in the table
    assert details == (
        "`documents`: `created` changed to Mapped[str] = mapped_column(String(40))",
        "`documents`: new column `language`: Mapped[str | None]",
    )
    assert tables == ("documents",)


CLASSIC = """
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.orm import declarative_base

Base = declarative_base()
metadata = MetaData()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String(50))


audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("what", String(20)),
)
"""


def test_classic_column_and_table_calls() -> None:
    new = CLASSIC.replace(
        "    name = Column(String(50))\n",
        "    name = Column(String(50))\n    email = Column(String(80))\n",
    ).replace(
        '    Column("what", String(20)),\n',
        '    Column("what", String(40)),\n    Column("who", String(20)),\n',
    )
    details, tables = describe_change("app/models.py", CLASSIC, new)
    assert details == (
        "`audit`: `what` changed to Column('what', String(40))",
        "`audit`: new column `who`: Column('who', String(20))",
        "`users`: new column `email`: Column(String(80))",
    )
    assert tables == ("audit", "users")


def test_new_table_call_and_derived_message() -> None:
    new = CLASSIC + '\nevents = Table("events", metadata, Column("id", Integer))\n'
    details, tables = describe_change("app/models.py", CLASSIC, new)
    assert details == ("new table `events` (`id`)",)
    change = ModelFileChange("app/models.py", "modified", details, tables)
    assert derived_message([change]) == "update events"


def test_revisions_inside_a_models_folder_are_never_models(tmp_path: Path) -> None:
    from migration_guard.project.models_diff import changed_model_files

    root = tmp_path / "repo"
    versions = root / "app" / "alembic" / "versions"
    versions.mkdir(parents=True)
    (root / "app" / "models.py").write_text(SQLMODEL)
    init_repo(root)
    (root / "app" / "models.py").write_text(
        SQLMODEL.replace("max_length=255)\n    description", "max_length=300)\n    description")
    )
    (versions / "a1_add_thing.py").write_text('revision = "a1"\ndown_revision = None\n')
    changes = changed_model_files(root, ("app",), staged=False, versions=[versions])
    assert [(change.path, change.tables) for change in changes] == [("app/models.py", ("item",))]
    everything = changed_model_files(root, ("app",), staged=False)
    assert [change.path for change in everything] == [
        "app/alembic/versions/a1_add_thing.py",
        "app/models.py",
    ]
