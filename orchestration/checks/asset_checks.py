"""The Great Expectations suites as Dagster asset checks, one check per suite on its table's asset.

Raw suites check `raw/<table>` right after the loader, so a blocking failure stops the run before
dbt; public suites check the marts after dbt built them, so a blocking failure stops the publish.
Whether a check blocks is the suite's configuration (`meta.severity`, see expectations/README.md).
Each check reports its unexpected counts and samples as metadata, and the rows and value shares it
saw, which the run log keeps as the next run's drift baseline.
"""

# No `from __future__ import annotations`: Dagster reads these annotations when it defines the ops.
from collections.abc import Callable, Iterator, Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from orchestration import runlog, warehouse
from orchestration.checks import gx
from orchestration.checks.suites import Suite, load_suites
from orchestration.resources import REFRESH_LOCK


def check_result(asset_key: AssetKey, outcome: gx.SuiteOutcome) -> AssetCheckResult:
    """A suite's outcome as a Dagster check result: a blocking failure is an ERROR, else a WARN."""
    metadata = {key: MetadataValue.json(value) if isinstance(value, (dict, list)) else value
                for key, value in outcome.metadata().items()}
    if outcome.skipped:
        metadata["skipped"] = outcome.skipped
    if outcome.failures:
        metadata["failures"] = MetadataValue.md("\n".join(f"- {f.text()}" for f in outcome.failures))
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.suite.check_name,
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR if outcome.blocking_failed else AssetCheckSeverity.WARN,
        description=outcome.description(),
        metadata=metadata,
    )


def suite_checks(
    name: str, suites: Sequence[Suite], asset_key_for: Callable[[str], AssetKey]
) -> AssetChecksDefinition:
    """One Dagster step validating the given suites."""
    by_key = {AssetCheckKey(asset_key_for(s.table), s.check_name): s for s in suites}
    specs = [
        AssetCheckSpec(
            key.name,
            asset=key.asset_key,
            blocking=suite.blocking,
            description=f"Great Expectations suite {suite.path.name} on {suite.relation}.",
        )
        for key, suite in by_key.items()
    ]

    @multi_asset_check(name=name, specs=specs, can_subset=True, required_resource_keys={REFRESH_LOCK})
    def _checks(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        con = warehouse.connect_duckdb(read_only=True)
        try:
            for key in sorted(context.selected_asset_check_keys, key=lambda k: k.name):
                outcome = gx.validate(con, by_key[key])
                context.log.info(f"{key.name}: {outcome.description()}")
                yield check_result(key.asset_key, outcome)
        finally:
            con.close()

    return _checks


def raw_suite_checks(asset_key_for: Callable[[str], AssetKey]) -> AssetChecksDefinition:
    return suite_checks("gx_raw_suites", load_suites(runlog.RAW), asset_key_for)


def public_suite_checks(asset_key_for: Callable[[str], AssetKey]) -> AssetChecksDefinition:
    return suite_checks("gx_public_suites", load_suites(runlog.PUBLIC), asset_key_for)
