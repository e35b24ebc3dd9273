"""The safety case report as the console shows it."""

from __future__ import annotations

import re

from console.report import render_report, slug

REPORT = """# Clinical safety case

| hazard | title |
|---|---|
| [HAZ-01](#haz-01) | A red flag <script>alert(1)</script> missed |

## Latest figures

### HAZ-01

### HAZ-01
"""


def test_headings_get_the_anchors_the_report_links_to() -> None:
    html = render_report(REPORT)
    ids = re.findall(r'<h\d id="([^"]+)"', html)
    assert ids == ["clinical-safety-case", "latest-figures", "haz-01", "haz-01-1"]
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids


def test_html_in_the_report_is_shown_as_text() -> None:
    html = render_report(REPORT)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<table>" in html


def test_slugs_follow_github() -> None:
    assert slug("Risk matrix (DCB0129)") == "risk-matrix-dcb0129"
    assert slug("HAZ-16") == "haz-16"
