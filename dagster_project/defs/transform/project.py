"""The dbt project, in its own module so the manifest can be prepared before definitions load."""

from dagster_dbt import DbtProject

from dagster_project.lib.core.paths import DBT_DIR

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)

# The data tests written on seeds (dbt/seeds/properti/: the code lists' and rules' own keys and
# values), tagged in dbt_project.yml. A seed changes only with a commit, so they say nothing new
# about a run's data: the test suite runs them (tests/test_dbt_project.py `built_db`, a full
# `dbt build`) and production builds skip them, as they skip the unit tests (190 of the default
# build's 598 nodes). Tests of models that join a seed (a code list) are not tagged and stay.
SEED_TESTS = "tag:uji_seed"
