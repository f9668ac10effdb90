"""Which source each domain is read from, decided once from the dbt vars `<domain>_source`.

`contract` (the default) reads the domain's contract tables (`raw.<table>`); a connector name reads
that connector's tables (`<connector>.<table>`, orchestration/connectors.py). dbt reads the same vars:
the staging interface models ref the chosen source's staging models, and the connector staging
folders are enabled only when a domain names them. The loader loads exactly `active_tables()`, so a
connector nobody chose, or a contract table whose domain a connector provides, is neither required
nor read.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration import rules
from orchestration.connectors import CONNECTORS_BY_NAME, Connector
from orchestration.contract import DOMAIN_TABLES, TABLES, TABLES_BY_NAME, Table

CONTRACT = "contract"


class SourceError(ValueError):
    """A domain var names a source that cannot serve that domain."""


@dataclass(frozen=True)
class Sources:
    """The chosen source of every domain (`contract` or a connector name)."""

    by_domain: dict[str, str]

    @property
    def connectors(self) -> list[Connector]:
        """The chosen connectors, each once, in the order of orchestration/connectors.py."""
        names = set(self.by_domain.values()) - {CONTRACT}
        return [c for name, c in CONNECTORS_BY_NAME.items() if name in names]

    def connector_tables(self, connector: Connector) -> list[Table]:
        """The connector's tables the domains it serves need, in its own (parents first) order."""
        needed = {t for domain, source in self.by_domain.items() if source == connector.name
                  for t in connector.domains[domain]}
        return [t for t in connector.tables if t.name in needed]

    @property
    def contract_tables(self) -> list[Table]:
        """The contract tables still read from the contract: those of contract domains and the rest."""
        replaced = {t for domain, source in self.by_domain.items() if source != CONTRACT
                    for t in DOMAIN_TABLES[domain]}
        return [t for t in TABLES if t.name not in replaced]

    @property
    def accounts_table(self) -> Table:
        """The table whose accepted rows are the accounts: `raw.accounts`, or a CRM's account table."""
        source = self.by_domain["accounts"]
        if source == CONTRACT:
            return TABLES_BY_NAME["accounts"]
        connector = CONNECTORS_BY_NAME[source]
        return next(t for t in connector.tables if t.account_key_var and t.name in connector.domains["accounts"])

    @property
    def tables(self) -> list[Table]:
        """Every table a load reads: the accounts table first, then the contract's, then each connector's."""
        every = self.contract_tables + [t for c in self.connectors for t in self.connector_tables(c)]
        return [self.accounts_table] + [t for t in every if t != self.accounts_table]

    @property
    def events_at(self) -> tuple[Table, str]:
        """The product events' table and timestamp column (the default as-of day comes from them)."""
        return self._column("usage", "usage_events", "occurred_at", "events_at")

    @property
    def history_start(self) -> tuple[Table, str]:
        """The subscriptions' table and start column (the revenue history begins at their earliest)."""
        return self._column("billing", "subscriptions", "started_on", "history_start")

    def _column(self, domain: str, table: str, column: str, attribute: str) -> tuple[Table, str]:
        source = self.by_domain[domain]
        if source == CONTRACT:
            return TABLES_BY_NAME[table], column
        connector = CONNECTORS_BY_NAME[source]
        name, column = getattr(connector, attribute)
        return connector.table(name), column


def parse(by_domain: dict[str, str]) -> Sources:
    """Check each domain's choice; raise `SourceError` naming what each domain accepts."""
    chosen = {domain: str(by_domain.get(domain) or CONTRACT).strip().lower() for domain in DOMAIN_TABLES}
    for domain, source in chosen.items():
        allowed = [CONTRACT] + [c.name for c in CONNECTORS_BY_NAME.values() if domain in c.domains]
        if source not in allowed:
            raise SourceError(f"{domain}_source is {source!r}: use one of {', '.join(allowed)}")
    return Sources(chosen)


def environment_var(domain: str) -> str:
    """The environment variable that sets a domain's source var (dbt_project.yml reads it)."""
    return f"CS_{domain.upper()}_SOURCE"


def chosen() -> Sources:
    """The sources the dbt vars choose (dbt_project.yml, where CS_<DOMAIN>_SOURCE may set them)."""
    return parse({domain: rules.var(f"{domain}_source") for domain in DOMAIN_TABLES})


def account_key(table: Table) -> str:
    """The key spec the user named for a matching table (`column` or `column.field`), checked."""
    assert table.account_key_var is not None
    spec = str(rules.var(table.account_key_var)).strip()
    column = spec.split(".", 1)[0]
    if column not in table.column_names:
        raise SourceError(
            f"{table.account_key_var} is {spec!r}: {column!r} is not a column of {table.label} "
            f"(it has {', '.join(table.column_names)})"
        )
    return spec
