"""Formats read and written: seeds, schedule TOML, orders CSV, .ics, announcements, reports."""
