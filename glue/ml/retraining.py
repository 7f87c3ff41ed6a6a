"""When new visits call for the ml workflow: visits-processed notifications counted until there are
enough of them (the ml_retrain_min_new_visits var) to make a training worth a look.

The workflow's own SQL decides whether a model really trains (its IF counts the
new visits in session_features); this only saves running it for every landed object. Its
scores and export run with it either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue.visits_processed import ObjectProcessed


@dataclass
class RetrainingTrigger:
    min_new_visits: int
    waiting_visits: int = 0  # processed since the workflow last ran

    def notified(self, processed: list[ObjectProcessed]) -> bool:
        """Counts the objects' visits; True when the ml workflow should run now (the count restarts)."""
        self.waiting_visits += sum(item.visits for item in processed)
        if self.waiting_visits < self.min_new_visits:
            return False
        self.waiting_visits = 0
        return True
