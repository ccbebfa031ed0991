#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks SVG pictures written by hnn/plot/svg.hpp, with Python's XML parser.

    check_svg.py [options] [PATH ...]

PATH is an .svg file or a folder (every *.svg in it). Each file must

  * parse as XML (well-formed: xml.etree, i.e. expat),
  * have an <svg> root in the SVG namespace with width, height and viewBox,
  * give every series group (<g class="series">) a <title>, its name,
  * and stay under --max-kb kilobytes (default 400).

Options:
  --run PROGRAM [--arg A]...  run PROGRAM with a fresh temporary folder as its
                              first argument (then the --arg values) before the
                              checks; it must exit with 0 and print the path of
                              every .svg it wrote, and the folder is checked.
                              Exit status 77 means "skipped" (no data), and is
                              passed on so CTest can report it as such.
  --expect "FILE=A|B|..."     FILE (a name, found among the checked files) must
                              hold series A, B, ... ("|" separates them: CMake
                              would split a ";" list), and each of them must
                              draw something (no legend entry without a curve)
  --expect-text "FILE=A|B|..." FILE must show the texts A, B, ... (each the whole
                              text of a <text>: a colour bar's label, a title)
  --check-vanishing           vanishing_gradients.svg (from
                              examples/vanishing_gradients) is among the files:
                              read the gradient norms off the picture itself,
                              through its log axis's tick labels, and check that
                              sigmoid/Xavier's vanishes towards the input (more
                              than 4 decades) while tanh/Xavier's and ReLU/He's
                              stay within about one; and when gradient_norms.csv
                              is next to it, that the picture shows its numbers.
  --max-kb N                  size limit per file.

Exit status 0 when every check passes, 1 otherwise (each failure printed).
Registered with CTest in tests/CMakeLists.txt and examples/CMakeLists.txt.
"""

import csv
import math
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def series_of(root):
    """{name: [(x, y), ...]} for every <g class="series">, from its polylines and circles.
    A name used again (in another panel of a figure) keeps its first series."""
    found = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") != "series":
            continue
        title = g.find(SVG + "title")
        if title is None or not (title.text or "").strip():
            fail("a series group without a <title>")
            continue
        points = []
        for line in g.iter(SVG + "polyline"):
            for pair in line.get("points", "").split():
                x, y = pair.split(",")
                points.append((float(x), float(y)))
        for dot in g.iter(SVG + "circle"):
            points.append((float(dot.get("cx")), float(dot.get("cy"))))
        found.setdefault(title.text.strip(), points)
    return found


def drawn_series(root):
    """The names of the series that draw at least one shape: a line, a marker, a bar."""
    shapes = [SVG + tag for tag in ("polyline", "polygon", "circle", "rect", "line", "path")]
    names = set()
    for g in root.iter(SVG + "g"):
        title = g.find(SVG + "title")
        if g.get("class") != "series" or title is None:
            continue
        if any(shape.tag in shapes for shape in g.iter()):
            names.add((title.text or "").strip())
    return names


def check_file(path, max_kb):
    """Parses one SVG and returns its root element, or None when it is not well-formed."""
    size_kb = os.path.getsize(path) / 1024
    if size_kb > max_kb:
        fail("%s: %.0f KB, more than the %d KB allowed" % (path, size_kb, max_kb))
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail("%s: not well-formed XML: %s" % (path, e))
        return None
    if root.tag != SVG + "svg":
        fail("%s: the root element is %s, not an SVG <svg>" % (path, root.tag))
        return None
    for attribute in ("width", "height", "viewBox"):
        if root.get(attribute) is None:
            fail("%s: <svg> has no %s" % (path, attribute))
    print("ok   %s (%.0f KB, %d series)" % (path, size_kb, len(series_of(root))))
    return root


SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def tick_value(label):
    """The number a tick label shows: "0.01", "−2", "10⁻³", "2×10⁻⁴"."""
    label = label.replace("−", "-")
    mantissa, times, power = label.rpartition("×")[0], "×" in label, label.rpartition("×")[2]
    if power.startswith("10") and (times or power != "10") and len(power) > 2:
        exponent = int(power[2:].translate(SUPERSCRIPTS))
        return (float(mantissa) if times else 1.0) * 10.0 ** exponent
    return float(label)


def chart_with(root, series_name):
    """(series, y ticks) of the first <g class="chart"> holding `series_name`:
    series as {name: points}, y ticks as [(value, page y)]."""
    for chart in root.iter(SVG + "g"):
        if chart.get("class") != "chart":
            continue
        series = series_of(chart)
        if series_name not in series:
            continue
        ticks = []
        for group in chart.iter(SVG + "g"):
            if group.get("class") == "tick-labels":
                for text in group.iter(SVG + "text"):
                    if text.get("text-anchor") == "end":  # the y axis's labels
                        ticks.append((tick_value(text.text), float(text.get("y"))))
        return series, ticks
    return None, None


def check_vanishing(folder, roots):
    """The picture (and, when it is there, the CSV) of the vanishing-gradient example:
    sigmoid's gradient vanishes towards the input, tanh/Xavier's and ReLU/He's do not."""
    keys = ("sigmoid, Xavier", "tanh, Xavier", "ReLU, He")
    root = roots.get("vanishing_gradients.svg")
    if root is None:
        fail("vanishing_gradients.svg was not checked")
        return
    series, ticks = chart_with(root, keys[0])
    if series is None or len(ticks) < 2:
        fail("vanishing_gradients.svg: no chart with the series %r and a labelled y axis" % keys[0])
        return
    # Page units per decade of the log axis, from two of its labels.
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    per_decade = abs(y1 - y0) / abs(math.log10(v1) - math.log10(v0))
    decades = {}
    for key in keys:
        points = sorted(series.get(key, []))  # by x: layer 1 first
        if len(points) < 2:
            fail("vanishing_gradients.svg: series %r has %d points" % (key, len(points)))
            return
        decades[key] = (points[0][1] - points[-1][1]) / per_decade  # page y grows downwards
    print("picture: layer 1's gradient sits %.1f decades below layer 10's for sigmoid/Xavier, "
          "%.1f for tanh/Xavier, %.1f for ReLU/He" % tuple(decades[k] for k in keys))
    if not decades[keys[0]] > 4:
        fail("vanishing_gradients.svg: sigmoid/Xavier's gradient does not vanish (%.1f decades)"
             % decades[keys[0]])
    for key in keys[1:]:
        if not -1.3 < decades[key] < 1.3:
            fail("vanishing_gradients.svg: %s's gradient changes by %.1f decades" % (key,
                                                                                  decades[key]))
        if not decades[keys[0]] > decades[key] + 3:
            fail("vanishing_gradients.svg: sigmoid's gradient does not vanish more than %s's" % key)

    csv_path = os.path.join(folder, "gradient_norms.csv")
    if not os.path.exists(csv_path):
        return
    norms = {}
    with open(csv_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = row["activation"] + ", " + row["init"]
            norms.setdefault(key, {})[int(row["layer"])] = float(row["grad_norm"])
    for key in keys:  # the picture shows the numbers
        layers = norms[key]
        ratio = layers[min(layers)] / layers[max(layers)]
        print("%s: first/last gradient norm %.1e" % (key, ratio))
        if abs(-math.log10(ratio) - decades[key]) > 0.1:
            fail("vanishing_gradients.svg draws %s %.2f decades apart, the CSV says %.2f"
                 % (key, decades[key], -math.log10(ratio)))


def main(argv):
    paths, expects, expect_texts, run, run_args = [], [], [], None, []
    max_kb, vanishing = 400, False
    k = 0
    while k < len(argv):
        a = argv[k]
        if a in ("--run", "--arg", "--expect", "--expect-text", "--max-kb"):
            if k + 1 >= len(argv):
                print("check_svg.py: %s needs a value" % a)
                return 2
            value = argv[k + 1]
            k += 2
            if a == "--run":
                run = value
            elif a == "--arg":
                run_args.append(value)
            elif a in ("--expect", "--expect-text"):
                name, _, items = value.partition("=")
                (expects if a == "--expect" else expect_texts).append(
                    (name, [s for s in items.split("|") if s]))
            else:
                max_kb = int(value)
            continue
        if a == "--check-vanishing":
            vanishing = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            paths.append(a)
        k += 1

    with tempfile.TemporaryDirectory(prefix="hnn_svg_") as scratch:
        if run:
            result = subprocess.run([run, scratch] + run_args, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, universal_newlines=True)
            print(result.stdout)
            if result.returncode == 77:
                print("skipped: %s found nothing to work on" % run)
                return 77
            if result.returncode != 0:
                fail("%s exited with %d" % (run, result.returncode))
            written = sorted(f for f in os.listdir(scratch) if f.endswith(".svg"))
            if not written:
                fail("%s wrote no .svg file" % run)
            for name in written:
                if os.path.join(scratch, name) not in result.stdout:
                    fail("%s wrote %s but did not say so" % (run, name))
            paths.insert(0, scratch)

        files = []
        for p in paths:
            if os.path.isdir(p):
                files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".svg"))
            else:
                files.append(p)
        if not files:
            fail("no .svg files to check")
        roots = {}
        for f in files:
            root = check_file(f, max_kb)
            if root is not None:
                roots[os.path.basename(f)] = root
        for name, wanted in expects:
            if name not in roots:
                fail("%s: not among the checked files" % name)
                continue
            have = series_of(roots[name])
            drawn = drawn_series(roots[name])
            for s in wanted:
                if s not in have:
                    fail("%s: no series %r (it has %s)" % (name, s, sorted(have)))
                elif s not in drawn:
                    fail("%s: series %r draws nothing (a legend entry without a curve)"
                         % (name, s))
        for name, wanted in expect_texts:
            if name not in roots:
                fail("%s: not among the checked files" % name)
                continue
            texts = set((t.text or "").strip() for t in roots[name].iter(SVG + "text"))
            for s in wanted:
                if s not in texts:
                    fail("%s: no text %r" % (name, s))
        if vanishing:
            folder = paths[0] if os.path.isdir(paths[0]) else os.path.dirname(paths[0])
            check_vanishing(folder, roots)

    if failures:
        print("%d problem(s)" % len(failures))
        return 1
    print("all %d file(s) well-formed" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
