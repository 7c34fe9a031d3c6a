"""Model lifecycle: deployments in shadow, canary, live and retired modes; shadow scoring; promotion policy;
A/B split of order flow; automatic rollback; retraining and online learning that never block inference."""
