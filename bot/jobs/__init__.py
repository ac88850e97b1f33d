"""Scheduled work: the jobs fetch and store; commands only ever read what they stored."""
