"""Run inside the pipeline env (every package installed): do learn-check and punie-eval agree?

punie-train may not import punie-eval, so learn-check rebuilds the thin part it needs (the
generation prompt and the tool-choice rule). This script gives both the same inputs:

1. every example of the dataset's splits: the prompt before the first assistant turn and the
   choice that turn made (``punie_eval.heldout.expected_choice`` against learn-check's);
2. the learn-check slice scored by ``punie-eval heldout``'s own code with its mlx backend on the
   learn-check's 5-bit model: the prompt text and every example's predicted choice must match.

Usage: python _learn_check_agrees.py DATA_DIR LEARN_CHECK_DIR; prints one JSON document.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from punie_eval.backends.mlx import MlxBackend
from punie_eval.heldout import expected_choice as eval_expected
from punie_eval.heldout import run_heldout
from punie_train.learn_check import chat_prompt, expected_choice, first_turn


def main() -> None:
    data, learn = Path(sys.argv[1]), Path(sys.argv[2])
    checked, mismatched = 0, []
    for split in ("train", "valid", "test"):
        for number, line in enumerate((data / f"{split}.jsonl").read_text().splitlines(), 1):
            example = json.loads(line)
            ours = first_turn(example)
            theirs = eval_expected(list(example["messages"]))
            checked += 1
            if (ours is None) != (theirs is None):
                mismatched.append(f"{split}:{number}: one side found no assistant turn")
            elif ours is not None and theirs is not None:
                same_prompt = ours["messages"][:-1] == theirs[0]
                same_choice = expected_choice(ours["messages"][-1]) == theirs[1]
                if not (same_prompt and same_choice):
                    mismatched.append(f"{split}:{number}: {theirs[1]!r}")

    report = json.loads((learn / "learn-check.json").read_text())
    backend = MlxBackend(str(learn / "run" / "quantized"), max_tokens=1024)
    slice_file = learn / "data" / "train.jsonl"
    first = json.loads(slice_file.read_text().splitlines()[0])
    prompt_equal = backend.prompt(first["messages"][:-1], first["tools"]) == chat_prompt(
        backend.tokenizer, first["messages"][:-1], first["tools"]
    )
    heldout = run_heldout(slice_file, backend)
    ours_predicted = [e["predicted"] for e in report["per_example"]]
    eval_predicted = [e.predicted for e in heldout.examples]
    print(
        json.dumps(
            {
                "examples_checked": checked,
                "expected_mismatches": mismatched,
                "prompt_equal": prompt_equal,
                "learn_check_predicted": ours_predicted,
                "eval_predicted": eval_predicted,
                "learn_check_accuracy": report["tool_choice_accuracy"],
                "eval_accuracy": heldout.tool_choice_accuracy,
            }
        )
    )


if __name__ == "__main__":
    main()
