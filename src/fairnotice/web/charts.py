"""Bar charts as inline SVG, drawn on the server by pygal (no JavaScript in the browser).

pygal writes a `<script>` (its tooltips' configuration), a `<style>` and inline `style`
attributes; the pages' Content-Security-Policy allows none of them, and a page that works
without scripts needs none. They are taken out of pygal's element tree, the tooltip
layer with them, and `static/style.css` colours the chart by pygal's classes. The chart
is one image to assistive technology (`role="img"`, its `<title>` and `<desc>`); the
table beside it carries the same figures.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import lru_cache
from xml.etree import ElementTree as ET

import pygal
from markupsafe import Markup
from pygal.style import Style

# pygal appends an import finder for its map plugins (unused here) that has no find_spec:
# every import that fails elsewhere then warns (ImportWarning) on its way to ImportError,
# which turns optional imports (httpcore's `import trio`) into errors where warnings are.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

# the sizes style.css/insights.css draw the texts in: pygal lays the chart out by them
STYLE = Style(label_font_size=13, major_label_font_size=13, legend_font_size=14)

DROPPED = frozenset({"script", "style", "desc", "title"})


def bar_chart(
    ident: str,
    title: str,
    description: str,
    buckets: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> Markup:
    """An accessible SVG bar chart; the same words and figures give the same markup."""
    return Markup(
        _drawn(
            ident,
            title,
            description,
            tuple(buckets),
            tuple((name, tuple(values)) for name, values in series),
        )
    )


@lru_cache(maxsize=256)
def _drawn(
    ident: str,
    title: str,
    description: str,
    buckets: tuple[str, ...],
    series: tuple[tuple[str, tuple[int, ...]], ...],
) -> str:
    top = max((v for _, values in series for v in values), default=0)
    many = len(buckets) > 6  # long lists read better as rows, their names beside the bars
    kind = pygal.HorizontalBar if many else pygal.Bar
    chart = kind(
        style=STYLE,
        js=[],
        css=[],
        no_prefix=True,
        disable_xml_declaration=True,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        width=640,
        height=60 + 26 * len(buckets) * len(series) if many else 300,
        explicit_size=False,
        x_label_rotation=0 if many else 25,
        truncate_label=-1,
        print_values=False,
        y_labels=counts_axis(top),
        no_data_text="–",
    )
    # a horizontal chart draws its first row at the bottom: reversed, it reads as the table
    order = slice(None, None, -1) if many else slice(None)
    chart.x_labels = list(buckets)[order]
    for name, values in series:
        chart.add(name, list(values)[order])
    tree = chart.render_tree()
    _clean(tree)
    tree.set("id", ident)
    tree.set("role", "img")
    tree.set("aria-labelledby", f"{ident}-title {ident}-desc")
    tree.set("class", "chart")
    for stale in ("width", "height"):
        tree.attrib.pop(stale, None)
    heading = ET.Element("title", {"id": f"{ident}-title"})
    heading.text = title
    desc = ET.Element("desc", {"id": f"{ident}-desc"})
    desc.text = description
    tree.insert(0, desc)
    tree.insert(0, heading)
    return ET.tostring(tree, encoding="unicode", short_empty_elements=True)


def counts_axis(top: int) -> list[int]:
    """Whole numbers from 0 past `top`, about five steps (a count has no 0.2)."""
    step = max(1, -(-top // 5))
    return list(range(0, max(top, 1) + step, step))


def _clean(tree: ET.Element) -> None:
    """No script, style, inline style, tooltip layer, comment or per-value `desc`/`title`
    (pygal's tooltip texts); the chart's own title and description are added after."""
    for parent in tree.iter():
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            classes = child.get("class", "")
            if (
                tag in DROPPED
                or not tag
                or "tooltip-overlay" in classes
                or "tooltip" in classes.split()
            ):
                parent.remove(child)
        parent.attrib.pop("style", None)
