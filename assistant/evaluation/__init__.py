"""Measure answers against question sets, and fit the evidence weights (calibration.json)."""
