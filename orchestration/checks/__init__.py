"""Quality gates: Great Expectations suites of expectations/ run as Dagster asset checks."""
