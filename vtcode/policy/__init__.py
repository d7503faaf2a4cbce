"""Policy engine: decides allow, prompt or deny for every action the agent takes."""
