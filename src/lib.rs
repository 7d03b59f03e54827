//! exactspike: an exact, event-driven spiking neural network simulator.
pub mod neuron;
pub mod numerics;
pub mod record;
