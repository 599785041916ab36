"""The dbt project, in its own module so the manifest can be prepared before definitions load."""

from dagster_dbt import DbtProject

from dagster_project.lib.core.paths import DBT_DIR

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
