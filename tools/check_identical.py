#!/usr/bin/env python3
"""Checks that two memsim binaries give the same outputs: every golden trace, the bundled traces
and a generated trace of each workload model, under every policy both know, through replay
(--json, --placements, the summary, --proc-out, --timeline-csv) and compare (--json).

The engine refactors (issue 11) and the speed work (issue 19) must not change a byte of what
`stock` and `region-aware` print. Keys a later version adds to the stats document may be named
with --ignore-key (a dotted path, e.g. `provenance` or `regions.*.pageblock_allocated`); they are
removed from the new output before the comparison, nothing else is.

Usage: tools/check_identical.py OLD_MEMSIM NEW_MEMSIM [--policies stock,region-aware]
                                [--ignore-key KEY ...] [--quick]
Exit status 0 when everything agrees; 1 with the first differences listed otherwise.
"""
import argparse
import difflib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(binary, args, cwd):
    result = subprocess.run([binary, *args], cwd=cwd, capture_output=True)
    return result.returncode, result.stdout, result.stderr


def drop_key(doc, path):
    head, _, rest = path.partition(".")
    if isinstance(doc, list):
        for item in doc:
            drop_key(item, path)
        return
    if not isinstance(doc, dict):
        return
    if head == "*":
        for value in doc.values():
            drop_key(value, rest) if rest else None
        return
    if not rest:
        doc.pop(head, None)
    elif head in doc:
        drop_key(doc[head], rest)


def normalised_json(data, ignore):
    doc = json.loads(data)
    for key in ignore:
        if "runs" in doc and not key.startswith("runs."):
            for run_doc in doc["runs"]:
                drop_key(run_doc, key)
        drop_key(doc, key)
    return json.dumps(doc, sort_keys=False, indent=1).encode()


def traces(workdir, binary, quick, problems, new_binary):
    found = sorted((ROOT / "traces" / "golden").glob("*.json*"))
    found = [p for p in found if not p.name.endswith((".stats.json", ".compare.json"))
             and ".placements." not in p.name]
    out = [(str(p), []) for p in found]
    out.append((str(ROOT / "traces" / "quickstart.jsonl"), []))
    out.append((str(ROOT / "traces" / "mixed-1g-head.jsonl.zst"), []))
    kmem = ROOT / "traces" / "kmem-6.1"
    out.append((str(kmem / "trace-head.txt.xz"), []))
    out.append((str(kmem / "trace-head.txt.xz"), ["--proc-in", str(kmem / "proc-begin")]))
    models = {"ebizzy": ["--set", "memory=4GiB", "--set", "instances=2", "--set", "threads=2"],
              "kbuild": [], "pagecache": [], "random": []}
    for model, params in ({} if quick else models).items():
        path = os.path.join(workdir, f"gen-{model}.jsonl.zst")
        code, _, err = run(binary, ["gen", model, "-o", path, "--seed", "7", *params],
                           workdir)
        if code != 0:
            sys.exit(f"check_identical: gen {model} failed: {err.decode()}")
        again = os.path.join(workdir, f"gen-{model}-new.jsonl.zst")
        run(new_binary, ["gen", model, "-o", again, "--seed", "7", *params], workdir)
        compare_outputs(f"gen {model}", pathlib.Path(path).read_bytes(),
                        pathlib.Path(again).read_bytes() if os.path.exists(again) else b"",
                        problems)
        out.append((path, []))
    return out


def compare_outputs(label, old, new, problems):
    if old != new:
        diff = difflib.unified_diff(old.decode(errors="replace").splitlines(),
                                    new.decode(errors="replace").splitlines(),
                                    "old", "new", lineterm="", n=1)
        problems.append(f"{label}:\n" + "\n".join(list(diff)[:20]))


def check_replay(args, trace, extra, policy, workdir, problems):
    outputs = {}
    for which, binary in (("old", args.old), ("new", args.new)):
        d = os.path.join(workdir, f"{which}-{policy}")
        os.makedirs(d, exist_ok=True)
        base = ["replay", trace, "--policy", policy, *extra]
        code, summary, err = run(binary, base, workdir)
        files = {"summary": summary, "status": str(code).encode() + err}
        json_path, placements = os.path.join(d, "s.json"), os.path.join(d, "p.jsonl")
        csv_path, proc_dir = os.path.join(d, "t.csv"), os.path.join(d, "proc")
        code, _, err = run(binary, [*base, "--json", json_path, "--placements", placements,
                                    "--timeline-csv", csv_path, "--proc-out", proc_dir], workdir)
        files["status2"] = str(code).encode() + err
        if code == 0:
            files["json"] = normalised_json(pathlib.Path(json_path).read_bytes(),
                                            args.ignore_key if which == "new" else [])
            files["placements"] = pathlib.Path(placements).read_bytes()
            files["csv"] = pathlib.Path(csv_path).read_bytes()
            for name in sorted(os.listdir(proc_dir)):
                files["proc/" + name] = pathlib.Path(proc_dir, name).read_bytes()
        outputs[which] = files
    for key in sorted(set(outputs["old"]) | set(outputs["new"])):
        compare_outputs(f"replay {trace} {' '.join(extra)} --policy {policy}: {key}",
                        outputs["old"].get(key, b"<missing>"),
                        outputs["new"].get(key, b"<missing>"), problems)


def check_compare(args, trace, extra, workdir, problems):
    results = []
    for which, binary in (("old", args.old), ("new", args.new)):
        path = os.path.join(workdir, f"{which}-compare.json")
        code, _, err = run(binary, ["compare", trace, *extra, "--policies", args.policies,
                                    "--json", path], workdir)
        data = pathlib.Path(path).read_bytes() if code == 0 else err
        if code == 0:
            data = normalised_json(data, args.ignore_key if which == "new" else [])
        results.append(data)
    compare_outputs(f"compare {trace} {' '.join(extra)}", results[0], results[1], problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--policies", default="stock,region-aware")
    parser.add_argument("--ignore-key", action="append", default=[])
    parser.add_argument("--quick", action="store_true", help="goldens and bundled traces only")
    args = parser.parse_args()
    args.old, args.new = os.path.abspath(args.old), os.path.abspath(args.new)
    problems = []
    with tempfile.TemporaryDirectory(prefix="memsim-identical-") as workdir:
        checked = 0
        for trace, extra in traces(workdir, args.old, args.quick, problems, args.new):
            for policy in args.policies.split(","):
                check_replay(args, trace, extra, policy, workdir, problems)
                checked += 1
            check_compare(args, trace, extra, workdir, problems)
    for problem in problems[:10]:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_identical: {len(problems)} outputs differ", file=sys.stderr)
        return 1
    print(f"check_identical: {checked} replays and their compares agree byte for byte")
    return 0


if __name__ == "__main__":
    sys.exit(main())
