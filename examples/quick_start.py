"""The Python quick start of the README: run the shipped sampling neuron in memory."""
import exactspike

sim = exactspike.Simulation(exactspike.Experiment.from_file("experiments/sbs_neuron.toml"))
summary = sim.run()  # until t_stop, off the GIL; Ctrl-C raises KeyboardInterrupt
senders, times = sim.spikes("neuron")  # numpy arrays: neuron indices, spike times [ms]
print(f"{len(times)} spikes in {summary['t_reached']:g} ms; the first at {times[0]:.6f} ms")
