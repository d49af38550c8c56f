"""The city simulator: buses that drive the network and speak JT/T 808, passengers who
tap cards, and the ground truth to score the brain against.

The world (vehicles, passengers, faults) is computed by pure code on a simulated clock;
what the terminals send is a per-terminal script of timed actions, played over TCP to a
gateway (live), or written to a capture file that a replay tool plays later.
"""
