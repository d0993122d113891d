"""Reusable pieces shared by the panels (sliders, plots, badges)."""
