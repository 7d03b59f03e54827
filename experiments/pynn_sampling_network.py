"""An sbs-style sampling network written for PyNN: four LIF samplers (the sbs neuron:
IF_cond_exp, tau_m = 1 ms, tau_syn = tau_refrac = 10 ms, biases as resting potentials), each
with its own excitatory and inhibitory Poisson noise (3 kHz), coupled by symmetric weights.

    python experiments/pynn_sampling_network.py        # on exactspike (prints the spike counts)

Any PyNN backend runs it (change the import). experiments/pynn_sampling_network.toml is the
same network as an exactspike file; tests/python/test_pynn.py checks that both give the same
spikes, bit for bit.
"""

SAMPLER = dict(cm=0.2, tau_m=1.0, v_thresh=-50.0, v_reset=-50.001, tau_refrac=10.0,
               tau_syn_E=10.0, tau_syn_I=10.0, e_rev_E=0.0, e_rev_I=-100.0, i_offset=0.0)
#: Resting potentials [mV]: the biases.
V_REST = [-50.6, -50.2, -50.4, -49.9]
#: Couplings [µS], symmetric: excitatory above 0, inhibitory below.
W = [[0.0, 0.002, -0.0015, 0.0005],
     [0.002, 0.0, 0.001, -0.002],
     [-0.0015, 0.001, 0.0, 0.0015],
     [0.0005, -0.002, 0.0015, 0.0]]


def run(sim, t_stop=2000.0, seed=7):
    """Build and run the network on the PyNN module `sim`; return the samplers' spike trains."""
    sim.setup(timestep=0.1, seed=seed)
    samplers = sim.Population(4, sim.IF_cond_exp(v_rest=V_REST, **SAMPLER),
                              initial_values={"v": -50.3}, label="samplers")
    for receptor in ("excitatory", "inhibitory"):
        noise = sim.Population(4, sim.SpikeSourcePoisson(rate=3000.0), label=f"noise_{receptor}")
        sim.Projection(noise, samplers, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=0.001, delay=1.0), receptor_type=receptor)
        sign = 1 if receptor == "excitatory" else -1
        pairs = [(i, j, abs(W[i][j]), 1.0) for j in range(4) for i in range(4) if sign * W[i][j] > 0]
        sim.Projection(samplers, samplers, sim.FromListConnector(pairs, column_names=["weight", "delay"]),
                       receptor_type=receptor)
    samplers.record("spikes")
    sim.run(t_stop)
    spiketrains = samplers.get_data().segments[0].spiketrains
    sim.end()
    return spiketrains


if __name__ == "__main__":
    import pyNN.exactspike

    trains = run(pyNN.exactspike)
    print("spikes per sampler in 2 s:", [len(train) for train in trains])
