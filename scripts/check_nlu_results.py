#!/usr/bin/env python3
"""Fail when the held-out NLU test's intent accuracy is below a threshold.

Reads the intent report written by `rasa test nlu` and prints the accuracy, the
weighted F1 and the intents below the threshold.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str]) -> int:
    """Print the figures and return 1 when accuracy is below ``--min-accuracy``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="results/nlu/intent_report.json")
    parser.add_argument("--min-accuracy", type=float, default=0.95)
    args = parser.parse_args(argv)
    with open(args.report, encoding="utf-8") as handle:
        report = json.load(handle)
    accuracy = float(report["accuracy"])
    weighted_f1 = float(report["weighted avg"]["f1-score"])
    sys.stdout.write(f"intent accuracy {accuracy:.3f}, weighted F1 {weighted_f1:.3f}\n")
    summaries = ("macro avg", "weighted avg", "micro avg")
    for intent, figures in sorted(report.items()):
        if not isinstance(figures, dict) or intent in summaries:
            continue
        if figures["f1-score"] < args.min_accuracy:
            sys.stdout.write(
                f"  {intent}: f1 {figures['f1-score']:.2f} "
                f"(support {figures['support']})\n"
            )
    if accuracy < args.min_accuracy:
        sys.stdout.write(f"FAIL: intent accuracy below {args.min_accuracy:.2f}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
