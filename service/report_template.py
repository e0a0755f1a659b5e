"""The HTML shell of ``framing report``: styles and the table-sorting script, all inline so that
the report is one file that opens offline. Filled with ``string.Template`` (``$name``)."""

from string import Template

STYLE = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --band: #f4f6f9; --a: #2f6db5; --b: #d9822b; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; padding: 24px 32px 48px; max-width: 1700px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p.meta, p.note { color: var(--muted); margin: 4px 0; }
.facts { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.fact { background: var(--band); border-radius: 6px; padding: 8px 14px; }
.fact b { display: block; font-size: 20px; }
.plots { display: flex; flex-wrap: wrap; gap: 24px; }
figure { margin: 0; flex: 1 1 520px; min-width: 0; }
figure.wide { flex-basis: 100%; }
figure.wide svg { width: 100%; max-height: 520px; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: var(--band); cursor: pointer; user-select: none; vertical-align: bottom; max-width: 120px; }
th[data-dir="asc"]::after { content: " \\25B2"; }
th[data-dir="desc"]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td .ci { color: var(--muted); font-size: 12px; }
td.phrases { min-width: 180px; max-width: 360px; overflow-wrap: anywhere; }
td[data-col=article] { overflow-wrap: anywhere; min-width: 90px; }
details.outlet { margin: 6px 0; }
details.outlet summary { cursor: pointer; font-weight: 600; }
details.outlet li { margin: 8px 0; }
details.outlet li p { margin: 2px 0; }
span.labels { color: var(--muted); font-size: 12px; }
mark.editorial { background: #ffd7d5; border-bottom: 2px solid #cf222e; }
mark.quoted { background: #dbeafe; border-bottom: 2px dashed #1f6feb; }
.pos { color: var(--a); } .neg { color: var(--b); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dt { font-weight: 600; }
dd { margin: 0; color: var(--muted); }
"""

SCRIPT = """
(function () {
  function value(cell) {
    var v = cell.getAttribute("data-v");
    if (v !== null) { var x = parseFloat(v); return isNaN(x) ? -Infinity : x; }
    return cell.textContent.trim().toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      th.title = "click to sort";
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("data-dir") !== "asc";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", ascending ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var a = value(r1.cells[column]), b = value(r2.cells[column]);
          var order = a < b ? -1 : a > b ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="framing report">
<title>$title</title>
<style>$style</style>
</head>
<body>
<h1>$title</h1>
<p class="meta">$meta</p>
<div class="facts">$facts</div>
$notes
<h2>Outlets at a glance</h2>
<div class="plots">$plots</div>
<h2>Outlets</h2>
<p class="note">One row per outlet; click a column to sort. Shares are of the outlet's paragraphs.</p>
<div class="tablewrap">$outlet_table</div>
<h2>Articles</h2>
<p class="note">$articles_note</p>
<div class="tablewrap">$article_table</div>
<h2>Paragraphs by outlet</h2>
<p class="note">Open an outlet to read the paragraphs behind its figures (its most framed first), with their labels
and loaded words marked: <mark class="editorial">outlet's own voice</mark>, <mark class="quoted">a party's words</mark>.</p>
$drilldown
<h2>How to read it</h2>
$definitions
<script>$script</script>
</body>
</html>
""")
