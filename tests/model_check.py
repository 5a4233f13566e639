#!/usr/bin/env python3
"""An independent check of exported models (test code, not product).

For every dataset given: `hardmax build` writes a model file, `hardmax classify --json
--outputs` runs it; this script reads the model file and the dataset itself, runs the
forward pass in numpy (written from the model's definition, sharing no code with the
crate), and checks that every sequence's output (the mean output token) agrees within
1e-9 and that the predicted classes are the same. A model built on a *_TRAIN set is also
run on the matching *_TEST set (within 1e-7 there: held-out tokens may sit on a tent's
ramp, which multiplies a rounding difference by displacement / half-width), and two
built-in examples are checked with positional encoding and two collapse layers.

    python3 tests/model_check.py --hardmax PATH/TO/hardmax tests/data/*.ts

The last line is "N passed, M failed"; the exit code is 0 only when nothing failed.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

TAU_REL = 1e-12  # ties in attention scores: within TAU_REL * max |s_ij| of the best
TOLERANCE = 1e-9
# A model run on held-out data: tokens may sit on a tent's ramp, where a rounding
# difference of one ulp is multiplied by displacement / half-width.
HELD_OUT_TOLERANCE = 1e-7


def read_ts(path):
    """A .ts file: header lines up to @data, then one series per line, dimensions split by
    ':' (values by ','), the label last. Returns [(d x n tokens, label)]."""
    seqs, in_data = [], False
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                in_data = line.lower().startswith("@data")
                continue
            *dims, label = line.split(":")
            seqs.append((np.array([[float(v) for v in d.split(",")] for d in dims]), label.strip()))
    return seqs


def read_json(path):
    with open(path) as f:
        raw = json.load(f)
    return [(np.array(s["tokens"], dtype=float).T, str(s["label"])) for s in raw["sequences"]]


def matrix(m):
    """A stored matrix: [column-major data, rows, cols]; a vector: [data, n, null]."""
    data, rows, cols = m
    if cols is None:
        return np.array(data, dtype=float)
    return np.array(data, dtype=float).reshape(cols, rows).T if rows * cols else np.zeros((rows, cols))


def encode(model, x):
    inp = model["input"]
    if inp.get("lift_time_scale") is not None:
        x = np.vstack([x, np.arange(x.shape[1]) * inp["lift_time_scale"]])
    amp = inp.get("positional_amplitude")
    if amp is not None:
        d, n = x.shape
        k = np.arange(d)[:, None]
        t = np.arange(n)[None, :]
        x = x + amp * np.sin((t + 1.0) * (1.0 / (1.0 + k * math.sqrt(2.0))) + k)
    return x


def value(v, m):
    if v == "zero":
        return None
    kind, p = next(iter(v.items()))
    if kind == "scaled":
        return p * m
    if kind == "rank_one":
        return matrix(p["left"]) * (matrix(p["right"]) @ m)
    if kind == "dense":
        return matrix(p) @ m
    raise ValueError(f"unknown value map {kind}")


def forward(model, x):
    """Every token through every block; returns the mean output token."""
    x = encode(model, x)
    for block in model["blocks"]:
        ff = block["ff"]
        u, b, w = matrix(ff["u"]), matrix(ff["b"]), matrix(ff["w"])
        x = ff["eta"] * x + w @ np.maximum(u @ x + b[:, None], 0.0)
        sa = block["sa"]
        rho, v = sa["rho"], sa["v"]
        if v == "zero":
            x = rho * x
            continue
        s = (matrix(sa["q"]) @ x).T @ (matrix(sa["k"]) @ x)  # s[i, j] = <Q x_i, K x_j>
        tau = TAU_REL * np.abs(s).max()
        attended = s >= s.max(axis=1, keepdims=True) - tau
        means = (x @ attended.T) / attended.sum(axis=1)  # column i: mean of what i attends
        x = rho * x + value(v, means)
    return x.mean(axis=1)


def nearest(anchors, y):
    return int(np.argmin([np.linalg.norm(a - y) for a in anchors]))


def hardmax(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"hardmax {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def check(binary, model_path, data_path, tolerance):
    with open(model_path) as f:
        model = json.load(f)["model"]
    anchors = [matrix(a) for a in model["anchors"]]
    ran = json.loads(hardmax(binary, "classify", model_path, data_path, "--json", "--outputs"))
    seqs = read_ts(data_path) if data_path.endswith(".ts") else read_json(data_path)
    worst, mismatches = 0.0, []
    for i, ((x, _), theirs, theirs_class) in enumerate(zip(seqs, ran["outputs"], ran["predictions"])):
        y = forward(model, x)
        worst = max(worst, float(np.abs(y - np.array(theirs)).max()))
        if model["classes"][nearest(anchors, y)] != theirs_class:
            mismatches.append(i)
    ok = len(seqs) == len(ran["outputs"]) and worst <= tolerance and not mismatches
    name = f"{os.path.basename(model_path)} on {os.path.basename(data_path)}"
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {len(seqs)} sequences, max |output difference| = {worst:.3e}, "
          f"class mismatches: {mismatches[:5] or 'none'}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hardmax", required=True, help="the hardmax binary")
    ap.add_argument("data", nargs="+", help="dataset files (.ts or .json)")
    a = ap.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        models, builds = {}, [(p, []) for p in a.data]
        for name in ["shared", "vowels"]:
            path = os.path.join(tmp, name + ".json")
            with open(path, "w") as f:
                f.write(hardmax(a.hardmax, "example", name))
            builds.append((path, ["--positional", "--collapse-layers", "2"]))
        for path, options in builds:
            model = os.path.join(tmp, os.path.basename(path) + ".model.json")
            hardmax(a.hardmax, "build", path, "-o", model, *options)
            models[path] = model
        runs = [(models[p], p, TOLERANCE) for p, _ in builds]
        runs += [(models[p], p.replace("_TRAIN", "_TEST"), HELD_OUT_TOLERANCE) for p in a.data
                 if "_TRAIN" in p and os.path.exists(p.replace("_TRAIN", "_TEST"))]
        for model, path, tolerance in runs:
            try:
                ok = check(a.hardmax, model, path, tolerance)
            except Exception as e:  # a crash of one check is that check's failure
                print(f"FAIL {os.path.basename(model)} on {os.path.basename(path)}: {e}")
                ok = False
            passed += ok
            failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
