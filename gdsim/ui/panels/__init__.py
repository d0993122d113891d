"""One panel per tab of the main window."""
