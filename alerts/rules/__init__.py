"""Alert rules as data and the pure engine that judges them: (rule, state, observations) -> (state, signals).

model.py holds the rule types and what the engine reads and writes; loader.py reads a rules file; engine.py is the
API (evaluate_sessions, evaluate_tick, evaluate_ticks, replay). closes.py and ticks.py hold each rule's logic;
batch.py judges a whole poll of subscriptions with the same logic; series.py asks questions of stored history.
"""
