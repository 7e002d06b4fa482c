"""Regenerate ``samples/sample.pdf``: a short born-digital report (headings, lists, a table, two
pages with a running header and page numbers). Run: ``python samples/make_sample.py``."""

from __future__ import annotations

from pathlib import Path

import pymupdf

HTML = [
    """
<h1>Quarterly Field Report</h1>
<p>This report summarises the <b>inspection results</b> of the third quarter. Inspections covered
<i>all regional depots</i> and were carried out by two independent teams. More details are on the
<a href="https://example.org/reports">project site</a>.</p>
<h2>Key findings</h2>
<ul><li>Fuel consumption fell by 4.2 percent compared with the second quarter.</li>
<li>Two depots need new fire-safety equipment before the winter season.</li>
<li>Staff training hours rose for the fourth quarter in a row.</li></ul>
<h2>Depot summary</h2>
<table border="1" cellpadding="4">
<tr><th>Depot</th><th>Vehicles</th><th>Incidents</th><th>Score</th></tr>
<tr><td>North</td><td>42</td><td>1</td><td>9.1</td></tr>
<tr><td>South</td><td>37</td><td>3</td><td>8.4</td></tr>
<tr><td>East</td><td>29</td><td>0</td><td>9.6</td></tr>
</table>
""",
    """
<h2>Recommendations</h2>
<ol><li>Replace the extinguishers at the South and East depots by the end of October.</li>
<li>Extend the driver training programme to the new seasonal staff.</li>
<li>Repeat the fuel audit in the first quarter of next year.</li></ol>
<p>The teams thank every depot manager for their time. Questions about this report can be sent to
the regional operations office, which keeps the full inspection logs on file.</p>
""",
]


def build(path: Path) -> None:
    doc = pymupdf.open()
    for number, html in enumerate(HTML, start=1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 40), "Regional Operations - Q3 Report", fontsize=8, fontname="helv")
        page.insert_htmlbox(pymupdf.Rect(72, 72, 523, 770), html, css="* {font-family: sans-serif; font-size: 11pt;}")
        page.insert_text((290, 810), str(number), fontsize=9, fontname="helv")
    doc.set_metadata({"title": "Quarterly Field Report", "author": "docai samples"})
    doc.save(path, garbage=4, deflate=True)


if __name__ == "__main__":
    build(Path(__file__).with_name("sample.pdf"))
