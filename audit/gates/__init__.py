"""Gates: a policy of thresholds turned into pass / fail / inconclusive verdicts on a run.

    policy = load_policy("riskaudit-policy.yaml")
    verdicts = evaluate_policy(policy, load_run("runs/smollm2-135m"))
    exit_code(verdicts)  # 0 when no gate fails, 1 when one does
"""

from audit.gates.evaluate import (
    Example,
    RunData,
    Verdict,
    evaluate,
    evaluate_policy,
    exit_code,
    expand,
    load_run,
    read_summary,
)
from audit.gates.policy import (
    Gate,
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
    starter_policy_path,
)

__all__ = [
    "Example", "Gate", "Policy", "PolicyError", "RunData", "Verdict", "evaluate", "evaluate_policy",
    "exit_code", "expand", "load_policy", "load_run", "parse_policy", "read_summary",
    "starter_policy_path",
]
