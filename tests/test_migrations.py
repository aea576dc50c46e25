"""Every model change has its migration: `makemigrations --check --dry-run` finds nothing to write.

A model edited without a new migration leaves the schema behind the code: the test database and
every deployment's `migrate` build the tables from the migrations, not from the models.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations checks the applied migrations' history in the database
def test_no_model_change_lacks_a_migration() -> None:
    out, err = io.StringIO(), io.StringIO()
    exit_code: str | int | None = None

    try:
        call_command(
            "makemigrations", check=True, dry_run=True, verbosity=1, stdout=out, stderr=err
        )
    except SystemExit as exit_:  # --check exits non-zero when a migration would be written
        exit_code = exit_.code

    if exit_code is not None:
        pytest.fail(
            f"makemigrations --check exited with {exit_code}: a model change has no migration; "
            "run `uv run python manage.py makemigrations` and commit the new files.\n"
            f"{out.getvalue()}{err.getvalue()}",
            pytrace=False,
        )
    assert "No changes detected" in out.getvalue(), out.getvalue() + err.getvalue()
