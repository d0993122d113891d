"""Presenters: each owns a panel's state and recomputation, and emits frames for the views
to draw."""
