//! Special functions for the closed-form conductance-based membrane solution.
