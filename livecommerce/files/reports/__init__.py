"""The post-show report in four forms: terminal, HTML, CSV and JSON."""
