"""Dagster assets: landing -> raw (loader), dbt models, publish to the serving database."""
