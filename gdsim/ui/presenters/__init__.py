"""Presenters: each owns a panel's state and recomputation, and tells its views what to show."""
