//! Store tests: feed messages, look at the state and the effects.
