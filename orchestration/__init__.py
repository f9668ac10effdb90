"""Dagster package of the customer-success segmentation pipeline."""
