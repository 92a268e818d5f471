"""The report and everything made from its document: HTML, Markdown, CSV, SVG, PNG, pcapng."""
