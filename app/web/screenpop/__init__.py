"""The screen pop: who is calling the branch right now, with one click to their order form."""
