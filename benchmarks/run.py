"""Run every benchmark, print what each measured, and optionally save the numbers as JSON.

Run from the repository root:  .venv/bin/python benchmarks/run.py [--size quick] [--json FILE]
(`make benchmarks` runs it in full). The book's appendix runs it with --size quick at build time.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the sibling scripts, run as modules
sys.path.insert(1, str(Path(__file__).parents[1]))  # booktools/, which is not installed

import browser  # noqa: E402
import faces_pipeline  # noqa: E402
import faces_training  # noqa: E402
from booktools.build import describe_machine  # noqa: E402
import latent_grid  # noqa: E402
import training  # noqa: E402

BENCHMARKS = {"training": training, "faces_training": faces_training,
              "faces_pipeline": faces_pipeline, "latent_grid": latent_grid, "browser": browser}


def main():
    """Run them all, one after the other, each printing its own report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("full", "quick", "tiny"), default="full",
                        help="quick: the book's run (minutes); tiny: the tests' run")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    results = {"machine": describe_machine(), "size": args.size}
    for name, module in BENCHMARKS.items():
        start = time.perf_counter()
        print(f"== {name} ==", flush=True)
        results[name] = module.run(args.size)
        results[name]["seconds"] = time.perf_counter() - start
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                          for k, v in results[name].items()}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
