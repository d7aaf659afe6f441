"""--push: a loopback receiver decodes each push as each store does (Pyroscope: Connect
push.v1, binary protobuf; Parca: WriteRaw's JSON, base64; gzipped pprofs inside), checks its
labels, and that the allocation profiles of consecutive pushes are deltas summing to the run's
total; a refused push is retried."""
import base64
import gzip
import json
import http.server
import os
import threading
import unittest

import harness
from test_cgroup import Cgroup, held_in


def varint(buf, i):
    """The varint at buf[i]: (value, index after it)."""
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7f) << shift
        shift += 7
        if b < 0x80:
            return v, i


def fields(buf):
    """A protobuf message as [(field, value)]: ints for varints, bytes for the rest."""
    out, i = [], 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
            out.append((field, v))
        elif wire == 2:
            n, i = varint(buf, i)
            out.append((field, buf[i:i + n]))
            i += n
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            out.append((field, buf[i:i + n]))
            i += n
        else:
            raise AssertionError(f"wire type {wire}")
    return out


def packed(v):
    """A packed repeated varint field (or a single varint)."""
    if isinstance(v, int):
        return [v]
    i, vals = 0, []
    while i < len(v):
        x, i = varint(v, i)
        vals.append(x)
    return vals


def decode_push(body):
    """PushRequest -> [(labels dict, [(sample ID, pprof totals by sample type and function)])]."""
    series = []
    for f, s in fields(body):
        assert f == 1
        labels, samples = {}, []
        for g, v in fields(s):
            if g == 1:
                pair = dict(fields(v))
                labels[pair[1].decode()] = pair[2].decode()
            elif g == 2:
                raw = dict(fields(v))
                samples.append((raw[2].decode(), decode_pprof(gzip.decompress(raw[1]))))
        series.append((labels, samples))
    return series


def decode_parca(body):
    """WriteRawRequest's JSON -> [(labels dict, [(None, pprof)])], as decode_push."""
    req = json.loads(body)
    assert req["normalized"] is False
    return [({l["name"]: l["value"] for l in s["labels"]["labels"]},
             [(None, decode_pprof(gzip.decompress(base64.b64decode(x["rawProfile"]))))
              for x in s["samples"]]) for s in req["series"]]


def decode_pprof(data):
    """{'types': [...], 'totals': {type: sum}, 'by_leaf': {type: {leaf function: sum}},
    'duration': duration_nanos, 'location_ids': [...]}."""
    msg = fields(data)
    strings = [v.decode() for f, v in msg if f == 6]
    types = [strings[dict(fields(v))[1]] for f, v in msg if f == 1]
    functions = {}
    for f, v in msg:
        if f == 5:
            fn = dict(fields(v))
            functions[fn[1]] = strings[fn[2]]
    locations = {}
    for f, v in msg:
        if f == 4:
            loc = fields(v)
            line = [dict(fields(x)) for g, x in loc if g == 4]
            locations[dict(loc)[1]] = functions.get(line[0].get(1)) if line else None
    totals = {t: 0 for t in types}
    by_leaf = {t: {} for t in types}
    for f, v in msg:
        if f != 2:
            continue
        smp = fields(v)
        locs = [x for g, val in smp if g == 1 for x in packed(val)]
        values = [x for g, val in smp if g == 2 for x in packed(val)]
        values = [x - (1 << 64) if x >= 1 << 63 else x for x in values]
        leaf = locations.get(locs[0]) if locs else None
        for t, x in zip(types, values):
            totals[t] += x
            by_leaf[t][leaf] = by_leaf[t].get(leaf, 0) + x
    return {"types": types, "totals": totals, "by_leaf": by_leaf,
            "duration": dict(msg).get(10, 0), "location_ids": sorted(locations)}


class Receiver(http.server.ThreadingHTTPServer):
    def __init__(self, fail_first=0):
        self.pushes, self.refused = [], 0
        self.fail_left = fail_first
        self.cond = threading.Condition()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with srv.cond:
            fail = srv.fail_left > 0
            if fail:
                srv.fail_left -= 1
                srv.refused += 1
            else:
                srv.pushes.append((self.path, dict(self.headers), body))
            srv.cond.notify_all()
        self.send_response(503 if fail else 200)
        self.send_header("Content-Type", "application/proto")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class ReceiverTest(unittest.TestCase):
    """A receiver on loopback that refuses the first push (503) and keeps the others."""

    def setUp(self):
        self.rx = Receiver(fail_first=1)
        self.thread = threading.Thread(target=self.rx.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.rx.server_address[1]}"

    def tearDown(self):
        self.rx.shutdown()
        self.rx.server_close()

    def wait_pushes(self, n):
        with self.rx.cond:
            self.assertTrue(self.rx.cond.wait_for(lambda: len(self.rx.pushes) >= n,
                                                  harness.TIMEOUT), "no push arrived")


class PushTest(ReceiverTest):
    def run_pushes(self, *args):
        """Pushes of a run of the phases target, a push a second: (pushes, truth, pid)."""
        target = harness.Target("phases")
        pid = target.pid
        try:
            ms = harness.Memsnoop("-p", target.pid, "-r", "1", "--push", self.url + "/",
                                  "--push-interval", "1", *args)
            ms.wait_attached()
            target.release()
            self.assertEqual(target.proc.stdout.readline(), "before_done 1\n")
            self.wait_pushes(1)  # the first push was refused once, then retried
            target.release()
            self.assertEqual(target.proc.stdout.readline(), "window_done 1\n")
            self.wait_pushes(len(self.rx.pushes) + 1)
            status, out, err = ms.stop()
            self.assertEqual(status, 0, err)
            rc, truth = target.finish()
        finally:
            target.kill()
        self.assertEqual(self.rx.refused, 1)
        self.assertGreaterEqual(len(self.rx.pushes), 3)
        return self.rx.pushes, truth, pid

    def check_labels(self, labels, pid, **more):
        cgroup = labels.pop("cgroup")
        self.assertTrue(cgroup.startswith("/"), cgroup)
        self.assertEqual(labels, {"__name__": "memory", "service_name": "phases",
                                  "pid": str(pid), **more})  # more may rename the service

    def check_deltas(self, allocs, inuse, truth):
        """allocs: each push's allocation profile; inuse: the last in-use one."""
        self.assertEqual(sum(p["totals"]["alloc_space"] for p in allocs),
                         truth["before_bytes"] + truth["window_bytes"])
        self.assertEqual(sum(p["by_leaf"]["alloc_space"].get("in_window", 0) for p in allocs),
                         truth["window_bytes"])
        # no push counts an allocation twice
        for p in allocs:
            self.assertLessEqual(p["by_leaf"]["alloc_space"].get("before_window", 0), 40000)
        # in-use is a snapshot, not a delta: the last push holds every live block
        self.assertEqual(inuse["by_leaf"]["inuse_space"].get("in_window"), truth["window_bytes"])

    def one_series(self, push, path, content_type, decode):
        """The only series of a push to path: (labels, samples)."""
        self.assertEqual(push[0], path)
        self.assertEqual(push[1]["Content-Type"], content_type)
        series = decode(push[2])
        self.assertEqual(len(series), 1)
        return series[0]

    def test_pyroscope_pushes_are_deltas_summing_to_the_total(self):
        pushes, truth, pid = self.run_pushes()
        allocs, ids = [], set()
        for push in pushes:
            labels, samples = self.one_series(push, "/push.v1.PusherService/Push",
                                              "application/proto", decode_push)
            self.check_labels(labels, pid, __delta__="false")
            self.assertEqual(len(samples), 1)
            sid, prof = samples[0]
            self.assertNotIn(sid, ids)
            ids.add(sid)
            self.assertEqual(prof["types"], ["alloc_objects", "alloc_space", "inuse_objects",
                                             "inuse_space"])
            allocs.append(prof)
        self.check_deltas(allocs, allocs[-1], truth)

    def test_parca_pushes_allocation_deltas_and_inuse_snapshots(self):
        pushes, truth, pid = self.run_pushes("--push-format", "parca", "--push-service", "web")
        allocs = []
        for push in pushes:
            labels, samples = self.one_series(push, "/profiles/writeraw", "application/json",
                                              decode_parca)
            self.check_labels(labels, pid, service_name="web")
            (_, alloc), (_, inuse) = samples
            self.assertEqual(alloc["types"], ["alloc_objects", "alloc_space"])
            self.assertEqual(inuse["types"], ["inuse_objects", "inuse_space"])
            self.assertGreater(alloc["duration"], 0)
            self.assertEqual(inuse["duration"], 0)
            for prof in (alloc, inuse):  # sequential ids, whatever a delta leaves out
                self.assertEqual(prof["location_ids"], list(range(1, len(prof["location_ids"]) + 1)))
            allocs.append(alloc)
        self.check_deltas(allocs, inuse, truth)


class CgroupPushTest(ReceiverTest):
    """--cgroup A --cgroup B: a series per cgroup in every push, each holding only its own
    processes' samples, labelled with its path."""

    def setUp(self):
        super().setUp()
        self.root = Cgroup(f"memsnoop-push-{os.getpid()}")
        self.groups = [Cgroup("alpha", self.root), Cgroup("beta", self.root)]

    def tearDown(self):
        self.root.close()
        super().tearDown()

    def test_a_series_per_cgroup(self):
        targets = [held_in(g, "phases") for g in self.groups]
        try:
            ms = harness.Memsnoop("--cgroup", self.groups[0].rel, "--cgroup", self.groups[1].rel,
                                  "-r", "1", "--push", self.url, "--push-interval", "1")
            ms.wait_attached()
            for done in ("before_done 1\n", "window_done 1\n"):
                for t in targets:
                    t.release()
                for t in targets:
                    self.assertEqual(t.proc.stdout.readline(), done)
            self.wait_pushes(len(self.rx.pushes) + 1)
            status, _, err = ms.stop()
            self.assertEqual(status, 0, err)
            truths = [t.finish()[1] for t in targets]
        finally:
            for t in targets:
                t.kill()
        sums = {g.rel: 0 for g in self.groups}
        for _, _, body in self.rx.pushes:
            series = decode_push(body)
            self.assertEqual([labels["cgroup"] for labels, _ in series], list(sums))
            for labels, [(_, prof)] in series:
                self.assertEqual(labels["service_name"], labels["cgroup"].rpartition("/")[2])
                sums[labels["cgroup"]] += prof["totals"]["alloc_space"]
        for g, truth in zip(self.groups, truths):
            self.assertEqual(sums[g.rel], truth["before_bytes"] + truth["window_bytes"])


if __name__ == "__main__":
    unittest.main()
