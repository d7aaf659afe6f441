"""PREFIX.svg rendered by headless Chromium, as a user opens it: not blank, the leaking
function's frame there, widths proportional to the values, hover details and click-to-zoom
working (the page's script is run, the DOM queried)."""
import json
import os
import re
import shutil
import struct
import subprocess
import unittest
import zlib

import harness

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--allow-file-access-from-files", "--virtual-time-budget=5000"]

# Loads the SVG in an <object> and reports, as JSON in #out, every frame's name, value and
# rendered width, then hovers over the leaking frame and clicks it.
PROBE = """<html><body style="margin:0"><object id="o" data="out.svg" type="image/svg+xml"></object>
<pre id="out"></pre><script>
document.getElementById('o').addEventListener('load', function () {
  var d = document.getElementById('o').contentDocument, res = {frames: []};
  function frames() {
    return [].map.call(d.querySelectorAll('g.f'), function (g) {
      return {name: g.getAttribute('data-n'), value: +g.getAttribute('data-v'),
              title: g.querySelector('title').textContent,
              shown: g.style.display !== 'none',
              width: g.querySelector('rect').getBoundingClientRect().width};
    });
  }
  res.frames = frames();
  res.title = d.querySelector('text.title').textContent;
  var leak = [].filter.call(d.querySelectorAll('g.f'),
                            function (g) { return g.getAttribute('data-n') === 'grow_cache'; })[0];
  leak.dispatchEvent(new MouseEvent('mouseover'));
  res.hover = d.getElementById('details').textContent;
  leak.dispatchEvent(new MouseEvent('click'));
  res.zoomed = frames();
  document.getElementById('out').textContent = JSON.stringify(res);
});
</script></body></html>"""


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and not interlace
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xff
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xff
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


class SvgTest(harness.OutputTest):
    def run_chromium(self, *args):
        self.assertTrue(CHROMIUM, "chromium is not installed (scripts/install-deps.sh installs it)")
        p = subprocess.run([CHROMIUM, *CHROMIUM_ARGS, *args], capture_output=True, text=True,
                           timeout=harness.TIMEOUT, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return p.stdout

    def test_rendered_flame_graph(self):
        truth, status, _, err = harness.profile("grower", "-r", "1", "--value", "alloc_space",
                                                "-o", self.prefix, target_args=(1000,))
        self.assertEqual(status, 0, err)
        svg = self.prefix + ".svg"
        self.assertNotIn("http://", open(svg).read().replace("http://www.w3.org/2000/svg", ""))
        shot = os.path.join(self.tmp.name, "shot.png")
        self.run_chromium(f"--screenshot={shot}", "--window-size=1200,300", "file://" + svg)
        w, h, bpp, rows = png_pixels(shot)
        colors = {row[i:i + 3] for row in rows for i in range(0, w * bpp, bpp * 7)}
        self.assertGreater(len(colors), 8, "the screenshot is blank")
        # frames are warm colors: red well above blue somewhere in the picture
        self.assertTrue(any(c[0] > 200 and c[2] < 60 for c in colors), "no frame drawn")

        with open(os.path.join(self.tmp.name, "probe.html"), "w") as f:
            f.write(PROBE)
        os.replace(svg, os.path.join(self.tmp.name, "out.svg"))
        dom = self.run_chromium("--dump-dom", "file://" + os.path.join(self.tmp.name, "probe.html"))
        m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
        self.assertTrue(m and m.group(1), dom[-2000:])
        res = json.loads(m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
        frames = {f["name"]: f for f in res["frames"]}
        total = frames["all"]["value"]
        kept = truth["kept_bytes"]
        self.assertEqual(frames["grow_cache"]["value"], kept)
        self.assertEqual(total, kept + frames["churn_buffers"]["value"])
        full = frames["all"]["width"]
        for f in res["frames"]:
            self.assertAlmostEqual(f["width"] / full, f["value"] / total, delta=0.01 * f["value"] / total,
                                   msg=f["name"])
        self.assertIn("alloc_space", res["title"])
        pct = 100.0 * kept / total
        self.assertEqual(res["hover"], frames["grow_cache"]["title"])
        self.assertTrue(res["hover"].startswith("grow_cache (1.") and
                        res["hover"].endswith(f" MiB, {pct:.2f}%)"), res["hover"])
        zoomed = {f["name"]: f for f in res["zoomed"]}
        self.assertAlmostEqual(zoomed["grow_cache"]["width"], full, delta=0.01 * full)
        self.assertFalse(zoomed["churn_buffers"]["shown"])
        self.assertTrue(zoomed["main"]["shown"])  # its callers stay, as the way back


if __name__ == "__main__":
    unittest.main()
