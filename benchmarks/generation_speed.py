"""Time batched greedy generation of a built-in model, under a chosen OpenMP wait policy.

    python benchmarks/generation_speed.py --wait PASSIVE
    python benchmarks/generation_speed.py --wait ACTIVE

The policy only matters when another process competes for the cores, e.g. with
`timeout 120 python3 -c "while True: pass" &` beside it; riskaudit's CLI defaults to PASSIVE.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--wait", choices=["PASSIVE", "ACTIVE"], default="PASSIVE")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=24)
    args = parser.parse_args()
    os.environ["OMP_WAIT_POLICY"] = args.wait  # before torch is imported

    from audit.models import ModelOptions, load_model
    from audit.types import GenerationConfig, Prompt

    model = load_model(args.model, ModelOptions(batch_size=args.prompts))
    prompts = [Prompt(f"In what year was person number {i} born?", chat=True)
               for i in range(args.prompts)]
    start = time.perf_counter()
    model.generate(prompts, GenerationConfig(max_new_tokens=args.tokens))
    seconds = time.perf_counter() - start
    print(f"{args.model} OMP_WAIT_POLICY={args.wait}: {args.prompts} prompts x {args.tokens} "
          f"tokens in {seconds:.1f} s")


if __name__ == "__main__":
    main()
