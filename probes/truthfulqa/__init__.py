"""TruthfulQA suites: multiple choice (MC1/MC2, lm-evaluation-harness format) and generation."""
