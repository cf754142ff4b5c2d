"""`motcua simulate [--bind HOST:PORT] [--seed N] [--systems dvcqg,vneid]`."""

from __future__ import annotations

import argparse
import logging
import os

from motcua.simulators import server
from motcua.simulators.app import Simulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="motcua simulate",
        description="National-systems simulator (DVCQG, VNeID): see docs/simulator.md",
    )
    parser.add_argument("--bind", default=os.environ.get("MOTCUA_SIM_BIND", "127.0.0.1:8900"))
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault decisions")
    parser.add_argument("--systems", default="", help="comma-separated; default: all")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()] or None
    server.serve(args.bind, Simulator(systems, seed=args.seed), verbose=not args.quiet)


if __name__ == "__main__":
    main()
