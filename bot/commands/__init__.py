"""Commands every transport answers the same way: parsed once, answered from stored state, rendered per transport."""
